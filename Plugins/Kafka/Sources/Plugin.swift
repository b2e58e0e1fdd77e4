import SluiceSDK

let kafkaPlugin = PluginExport(
    name: "kafka", version: "0.1.0", summary: "Kafka consumer (commit on ack) and idempotent producer on librdkafka",
    components: [.source(KafkaSource.self), .sink(KafkaSink.self)])

@_cdecl("sluice_kafka_descriptor")
public func sluiceKafkaDescriptor() -> UnsafeRawPointer { kafkaPlugin.raw }
