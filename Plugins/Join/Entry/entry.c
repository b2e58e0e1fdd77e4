/* The join plugin's ELF note and entry point; the component is in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_join_descriptor(void);

SLUICE_PLUGIN("join", "0.1.0", "Event-time interval join of keyed streams with watermarks",
              "processor:join[late]", sluice_join_descriptor())
