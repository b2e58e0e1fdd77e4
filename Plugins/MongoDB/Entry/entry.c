/* The mongodb plugin's ELF note and entry point; the component is in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_mongodb_descriptor(void);

SLUICE_PLUGIN("mongodb", "0.1.0", "MongoDB sink on libmongoc: bulk insert, upsert or replace by key",
              "sink:write", sluice_mongodb_descriptor())
