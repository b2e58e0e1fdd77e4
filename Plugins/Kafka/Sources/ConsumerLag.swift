import CRdKafka
import Foundation
import SluiceSDK

/// Reports `consumer_lag_records{topic,partition}`: for every assigned
/// partition, the high watermark minus the consumer's position, at most once
/// per interval. Both come from librdkafka's local state (the watermark
/// cached from fetch responses), so reporting sends nothing to the brokers;
/// the price is that a partition appears only once the consumer has read
/// from it (before, librdkafka knows neither number without asking).
struct ConsumerLag {
    private let host: PluginHost
    private let intervalNanos: UInt64
    private var lastNanos: UInt64 = 0
    private var gauges: [String: Metric] = [:]

    init(host: PluginHost, intervalMillis: Int = 1000) {
        self.host = host
        intervalNanos = UInt64(intervalMillis) * 1_000_000
    }

    mutating func reportIfDue(_ rk: OpaquePointer) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastNanos >= intervalNanos else { return }
        lastNanos = now
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_position(rk, list)
        var seen = Set<String>()
        for i in 0 ..< Int(list.pointee.cnt) {
            let p = list.pointee.elems[i]
            var low: Int64 = -1
            var high: Int64 = -1
            // Before the first fetch of a partition there is no position or watermark yet.
            guard p.offset >= 0, rd_kafka_get_watermark_offsets(rk, p.topic, p.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                  high >= 0 else { continue }
            let topic = String(cString: p.topic)
            let key = "\(topic)\u{0}\(p.partition)"
            seen.insert(key)
            gauge(key, topic: topic, partition: p.partition).record(Double(max(0, high - p.offset)))
        }
        // A partition that moved to another member is no longer this one's lag.
        for (key, metric) in gauges where !seen.contains(key) { metric.record(0) }
    }

    private mutating func gauge(_ key: String, topic: String, partition: Int32) -> Metric {
        if let g = gauges[key] { return g }
        let g = host.metric(.gauge, "consumer_lag_records", labels: ["topic": topic, "partition": "\(partition)"],
                            help: "messages between the consumer's position and the partition's high watermark")
        gauges[key] = g
        return g
    }
}
