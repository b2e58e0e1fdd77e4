/* The forecaster plugin's ELF note and entry point; the component is in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_forecaster_descriptor(void);

SLUICE_PLUGIN("forecaster", "0.1.0", "Per-key online forecasts, prediction intervals, anomaly scores and alerts",
              "processor:forecast[alerts]", sluice_forecaster_descriptor())
