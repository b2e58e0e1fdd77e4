/* The validator plugin's ELF note and entry point; the component is in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_validator_descriptor(void);

SLUICE_PLUGIN("validator", "0.1.0", "JSON Schema 2020-12 validation, text-line parsing and type coercion",
              "processor:validate", sluice_validator_descriptor())
