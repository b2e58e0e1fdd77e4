/* The ELF note and entry symbol; the component is in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_swift_pass_descriptor(void);

SLUICE_PLUGIN("swift-pass", "0.1.0", "A pass-through and a two-input processor", "processor:pass processor:route[rest]",
              sluice_swift_pass_descriptor())
