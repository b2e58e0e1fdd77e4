/* The elasticsearch plugin's ELF note and entry point; the components are in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_elasticsearch_descriptor(void);

SLUICE_PLUGIN("elasticsearch", "0.1.0", "Elasticsearch _bulk sink: per-item errors, retries, _id from a key",
              "sink:write", sluice_elasticsearch_descriptor())
