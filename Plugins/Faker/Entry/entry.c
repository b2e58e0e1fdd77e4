/* The faker plugin's ELF note and entry point; the component is in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_faker_descriptor(void);

SLUICE_PLUGIN("faker", "0.1.0", "Seeded fake records: people, companies, beach sensors, orders, payments",
              "source:generate", sluice_faker_descriptor())
