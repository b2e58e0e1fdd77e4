import CRdKafka
import SluiceSDK

/// `assignment: static`: every partition of the listed topics, assigned by
/// this consumer to itself, without joining the group.
///
/// Positions still live in the group (fetched at start, committed on ack),
/// so a restart resumes where the last run's sinks got to. What is given up
/// is the group's sharing and failover: two hosts with the same static
/// topics both read everything. What is gained is the join: no rebalance
/// round (about a second against tansu, more on a busy cluster) before the
/// first record, which matters for short batch-like runs and restarts.
enum StaticAssignment {
    /// Assigns all partitions of `topics`, each at its committed position, or
    /// else where `start` says (`startTime` for `timestamp`).
    static func assign(_ rk: OpaquePointer, topics: [String], start: String, startTime: Int64?, state: ConsumerState) throws {
        let list = rd_kafka_topic_partition_list_new(8)!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            for partition in try partitions(rk, topic: topic) { rd_kafka_topic_partition_list_add(list, topic, partition) }
        }
        var err = rd_kafka_committed(rk, list, 10000)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw SluiceError.retriable("cannot fetch the group's committed offsets: \(KafkaConfig.errorName(err))")
        }
        let elements = UnsafeMutableBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
        if let startTime, elements.contains(where: { $0.offset < 0 }) {
            err = startUncommitted(rk, list, at: startTime, timeoutMillis: 10000)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw SluiceError.retriable("cannot look up offsets for start_time: \(KafkaConfig.errorName(err))")
            }
        }
        for i in elements.indices where elements[i].offset < 0 {
            elements[i].offset = start == "latest" ? Int64(RD_KAFKA_OFFSET_END) : Int64(RD_KAFKA_OFFSET_BEGINNING)
        }
        for p in elements { state.assign(topic: String(cString: p.topic), partition: p.partition) }
        err = rd_kafka_assign(rk, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw SluiceError.config("cannot assign partitions: \(KafkaConfig.errorName(err))") }
    }

    /// The partition ids of `topic`, from the cluster's metadata.
    private static func partitions(_ rk: OpaquePointer, topic: String) throws -> [Int32] {
        guard let handle = rd_kafka_topic_new(rk, topic, nil) else { throw SluiceError.config("invalid topic name \(topic)") }
        defer { rd_kafka_topic_destroy(handle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 0, handle, &metadata, 10000)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw SluiceError.retriable("cannot read the metadata of \(topic): \(KafkaConfig.errorName(err))")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt == 1 else { throw SluiceError.retriable("no metadata for \(topic)") }
        let t = metadata.pointee.topics[0]
        guard t.err == RD_KAFKA_RESP_ERR_NO_ERROR, t.partition_cnt > 0 else {
            throw SluiceError.retriable("topic \(topic): \(KafkaConfig.errorName(t.err))")
        }
        return (0 ..< Int(t.partition_cnt)).map { t.partitions[$0].id }
    }
}
