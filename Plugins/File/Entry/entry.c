/* The file plugin's ELF note and entry point; the components are in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_file_descriptor(void);

SLUICE_PLUGIN("file", "0.1.0", "JSON lines, CSV and text files, stdin and stdout; a discard sink",
              "source:read sink:write sink:discard", sluice_file_descriptor())
