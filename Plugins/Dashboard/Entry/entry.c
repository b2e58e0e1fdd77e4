/* The dashboard plugin's ELF note and entry point; the component is in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_dashboard_descriptor(void);

SLUICE_PLUGIN("dashboard", "0.1.0", "A live web page of chosen fields per key, with forecasts and alerts overlaid",
              "sink:serve", sluice_dashboard_descriptor())
