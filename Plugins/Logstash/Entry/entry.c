/* The logstash plugin's ELF note and entry point; the component is in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_logstash_descriptor(void);

SLUICE_PLUGIN("logstash", "0.1.0", "The ELK variant: records to a Logstash tcp input with the json_lines codec",
              "sink:write", sluice_logstash_descriptor())
