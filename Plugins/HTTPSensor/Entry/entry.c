/* The http-sensor plugin's ELF note and entry point; the components are in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_http_sensor_descriptor(void);

SLUICE_PLUGIN("http-sensor", "0.1.0", "Sensor readings over HTTP: polls REST endpoints, accepts pushed JSON, NDJSON or CSV",
              "source:poll source:push", sluice_http_sensor_descriptor())
