/* The kafka plugin's ELF note and entry point; the components are in Swift. */
#include <sluice/sluice_plugin.h>

extern const sluice_plugin_descriptor *sluice_kafka_descriptor(void);

SLUICE_PLUGIN("kafka", "0.1.0", "Kafka consumer (commit on ack) and idempotent producer on librdkafka",
              "source:read sink:write", sluice_kafka_descriptor())
