import CRdKafka
import Foundation
import SluiceFormats
import SluiceSDK

/// `kafka.read`: a consumer-group member that commits offsets only when
/// the engine acks them, after every sink wrote the records.
///
/// Auto-commit is off: a crash replays from the last acked position and
/// never skips. On a rebalance, acked offsets of revoked partitions are
/// committed and their unacked records are left for the next owner.
///
/// A json value that decoded as it is (valid UTF-8, no `metadata_field`)
/// goes with its record as its JSON text (ABI 1.6), for a sink writing
/// JSON to send on unchanged; the host keeps it only if it is on one line.
public final class KafkaSource: Source {
    public static let name = "read"
    public static let summary = "Consumes topics in a consumer group; commits offsets when records are acked"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false, "required": ["brokers", "group"],
     "properties": {
       "group": {"type": "string", "minLength": 1, "description": "consumer group id (group.id): acked positions are committed under it, and with assignment: group its members share the partitions"},
       "topics": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "topics to read; give topics or topic_pattern (assignment: static needs topics)"},
       "topic_pattern": {"type": "string", "description": "a regex; every matching topic is consumed"},
       "start": {"enum": ["earliest", "latest", "timestamp"], "description": "where a partition without a committed offset begins: earliest (default), latest, or timestamp: at start_time"},
       "start_time": {"type": "string", "format": "date-time", "description": "with start: timestamp, the first message time to read"},
       "format": {"enum": ["json", "bson", "text"], "description": "what a message value holds: json (default): a JSON object, Extended JSON types read back; bson: a BSON document; text: anything, as a string under text_field. A value that does not decode is dead-lettered as {raw, topic, partition, offset}"},
       "text_field": {"type": "string", "description": "text format: the field that holds the value (default value)"},
       "metadata_field": {"type": "string", "description": "add {topic, partition, offset, timestamp, key, headers} under this field"},
       "assignment": {"enum": ["group", "static"], "description": "group: share partitions with the group's members (default); static: read every partition of topics, no group join"},
       "commit_interval_ms": {"type": "integer", "minimum": 0, "description": "commit acked positions at most this often (1000); 0: on every ack"},
       "session_timeout_ms": {"type": "integer", "minimum": 1, "description": "a member the group has not heard from for this long is dropped and its partitions go to the others (10000; session.timeout.ms)"},
       "heartbeat_interval_ms": {"type": "integer", "minimum": 1, "description": "how often the member tells the group it is alive (3000; heartbeat.interval.ms); keep it below a third of session_timeout_ms"},
    """# + EventTime.schema + ",\n" + UTF8Policy.schemaMember + ",\n" + KafkaConfig.commonSchema + #"""
     },
     "oneOf": [{"required": ["topics"]}, {"required": ["topic_pattern"]}],
     "allOf": [
       {"if": {"properties": {"start": {"const": "timestamp"}}, "required": ["start"]}, "then": {"required": ["start_time"]}},
       {"if": {"properties": {"assignment": {"const": "static"}}, "required": ["assignment"]}, "then": {"required": ["topics"]}}]}
    """#

    enum Format: String { case json, bson, text }

    let consumer: OpaquePointer
    let format: Format
    let textField: String
    let metadataField: String?
    /// `utf8:` for json and text values, and for a BSON value's keys and strings.
    let utf8: UTF8Gate
    /// Where the event time comes from; without it, the message timestamp.
    let eventTime: EventTime?
    let host: PluginHost
    let state: ConsumerState
    var writer = BSONWriter(capacity: 512)
    let committed: Metric
    let commitIntervalNanos: UInt64
    var lastCommitNanos: UInt64 = 0
    var lag: ConsumerLag
    var reachability = BrokerReachability()

    /// The librdkafka properties, and the event-time settings.
    public static func check(config: Config, host: PluginHost) throws {
        try KafkaConfig.checkProperties(config)
        _ = try config.object("event_time").map { try EventTime($0) }
    }

    public required init(config: Config, host: PluginHost) throws {
        self.host = host
        lag = ConsumerLag(host: host)
        format = Format(rawValue: try config.string("format", default: "json")) ?? .json
        textField = try config.string("text_field", default: "value")
        metadataField = try config.string("metadata_field")
        utf8 = try UTF8Gate(config, host: host)
        eventTime = try config.object("event_time").map { try EventTime($0) }
        let brokers = try KafkaConfig.brokers(config)
        let conf = try KafkaConfig.make(brokers: brokers, settings: [
            ("group.id", try config.requiredString("group")),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("auto.offset.reset", try config.string("start", default: "earliest") == "latest" ? "latest" : "earliest"),
            ("enable.partition.eof", "false"),
            ("session.timeout.ms", String(try config.int("session_timeout_ms", default: 10000))),
            ("heartbeat.interval.ms", String(try config.int("heartbeat_interval_ms", default: 3000))),
        ], tuning: [
            // librdkafka 2.x pauses fetching a partition for this long once its
            // local queue is full (default 1000 ms); the engine drains that
            // queue within milliseconds, so the default stalled reads by up to a second.
            ("fetch.queue.backoff.ms", "10"),
        ], passThrough: try config.object("librdkafka"))
        state = ConsumerState(host: host)
        if try config.string("start") == "timestamp" {
            guard let text = try config.string("start_time"), let ms = ISO8601.parse(text) else {
                throw SluiceError.config("start_time: an ISO 8601 date-time is required with start: timestamp")
            }
            state.startTime = ms
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(state).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf, rebalance)
        rd_kafka_conf_set_error_cb(conf, consumerError)
        KafkaConfig.routeLogs(conf, to: host)
        var error = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            throw SluiceError.config("cannot create the consumer: \(String(cString: error))")
        }
        try KafkaConfig.probe(rk, brokers: brokers)
        consumer = rk
        committed = host.metric(.counter, "offsets_committed_total", help: "partition positions committed after acks")
        commitIntervalNanos = UInt64(try config.int("commit_interval_ms", default: 1000)) * 1_000_000
        rd_kafka_poll_set_consumer(rk)
        if try config.string("assignment", default: "group") == "static", let topics = try config.strings("topics") {
            do {
                try StaticAssignment.assign(rk, topics: topics, start: try config.string("start", default: "earliest"),
                                            startTime: state.startTime, state: state)
            } catch {
                rd_kafka_destroy(rk)
                throw error
            }
            host.log(.info, "librdkafka \(String(cString: rd_kafka_version_str())); assigned every partition of \(topics.joined(separator: ", ")) (static)")
            return
        }
        let topics = try config.strings("topics") ?? [try config.requiredString("topic_pattern")].map { $0.hasPrefix("^") ? $0 : "^" + $0 }
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for t in topics { rd_kafka_topic_partition_list_add(list, t, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(rk, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_destroy(rk)
            throw SluiceError.config("cannot subscribe to \(topics): \(KafkaConfig.errorName(err))")
        }
        host.log(.info, "librdkafka \(String(cString: rd_kafka_version_str())); subscribed to \(topics.joined(separator: ", "))")
    }

    deinit {
        state.commit(consumer, sync: true)
        rd_kafka_consumer_close(consumer)
        rd_kafka_destroy(consumer)
    }

    public func poll(_ output: Output, maxRecords: Int, timeoutMillis: Int) throws -> PollResult {
        commitIfDue()
        lag.reportIfDue(consumer)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMillis) * 1_000_000
        var emitted = 0
        while emitted < maxRecords {
            let now = DispatchTime.now().uptimeNanoseconds
            let wait = deadline > now ? Int32((deadline - now) / 1_000_000) : 0
            let message = rd_kafka_consumer_poll(consumer, emitted == 0 ? wait : 0)
            // A rebalance inside that call: what was emitted so far was read
            // under the old assignment, and processors keeping state per
            // partition must hear of it before the new assignment's records.
            output.revokeSplits(state.takeRevoked())
            guard let message else {
                if emitted > 0 || now >= deadline { break }
                continue
            }
            defer { rd_kafka_message_destroy(message) }
            let m = message.pointee
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let text = KafkaConfig.errorName(m.err)
                if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
                host.log(.warning, "consumer: \(text)")
                if KafkaConfig.isPermanent(m.err) { throw SluiceError.permanent(text) }
                if BrokerReachability.meansUnreachable(m.err) { reachability.markDown() }
                break
            }
            reachability.markUp()
            let topic = String(cString: rd_kafka_topic_name(m.rkt))
            guard let slot = state.slot(topic: topic, partition: m.partition) else { continue }
            let token = KafkaToken.make(slot: slot, offset: m.offset)
            state.emitted(slot: slot, offset: m.offset)
            let (failure, text) = decode(message, topic: topic)
            if let reason = failure {
                output.emit(writer.finish(), token: token)
                output.fail(emitted, reason)
            } else {
                let doc = writer.finish()
                var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
                var ts: Int64? = rd_kafka_message_timestamp(message, &timestampType)
                if ts! < 0 { ts = nil }
                var timeFailure: String?
                if let eventTime {
                    switch doc.withUnsafeBytes({ eventTime.millis(in: BSONDocument($0)) }) {
                    case let .success(ms): ts = ms
                    case let .failure(f): timeFailure = "\(topic)[\(m.partition)]@\(m.offset): \(f.reason)"
                    }
                }
                let key = m.key.map { UnsafeRawBufferPointer(start: $0, count: m.key_len) }
                doc.withUnsafeBytes { _ = output.emit($0, eventTime: ts, key: key, token: token, split: UInt32(m.partition), jsonText: text) }
                if let timeFailure { output.fail(emitted, timeFailure) }
            }
            emitted += 1
        }
        if state.takeUnreachable() { reachability.markDown() }
        // Retriable while the cluster cannot be reached: the host backs off and its /ready says why.
        if emitted == 0, reachability.stillDown(consumer) { throw SluiceError.retriable("no Kafka broker reachable") }
        return .more
    }

    /// Builds the record in `writer`; returns a reason when the value does not decode
    /// (then `writer` holds `{raw, topic, partition, offset}` for the dead-letter queue),
    /// else the JSON text the record was faithfully decoded from, if any (ABI 1.6), which
    /// lives as long as the message.
    private func decode(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) -> (failure: String?, text: UnsafeRawBufferPointer?) {
        let m = message.pointee
        let value = UnsafeRawBufferPointer(start: m.payload, count: m.payload == nil ? 0 : m.len)
        writer.reset()
        var failure: String?
        var faithful = false
        switch format == .bson ? .valid : utf8.check(value, place: "\(topic)[\(m.partition)]@\(m.offset)") {
        case .valid:
            failure = decodeValue(value)
            faithful = format == .json
        case let .repaired(fixed): failure = fixed.withUnsafeBytes { decodeValue($0) }
        case let .invalid(at): failure = UTF8Gate.reason(byte: at)
        }
        if let reason = failure {
            failure = "\(topic)[\(m.partition)]@\(m.offset): \(reason)"
            writer.reset()
            writer.append("raw", string: String(decoding: value, as: UTF8.self))
            writer.append("topic", string: topic)
            writer.append("partition", int32: m.partition)
            writer.append("offset", int64: m.offset)
            return (failure, nil)
        }
        if let metadataField {
            appendMetadata(metadataField, message, topic: topic)
            return (nil, nil)
        }
        // A value spread over lines (pretty-printed) is no text a line-writing sink could copy:
        // the host drops such a text (`SLUICE_TEXT_JSON`), and the record is encoded as before.
        return (nil, faithful ? JSONSourceText.object(in: value) : nil)
    }

    /// Writes the value's record into `writer`; the reason when it does not decode.
    private func decodeValue(_ value: UnsafeRawBufferPointer) -> String? {
        switch format {
        case .json:
            do {
                try BSONFromJSON.transcode(json: value, into: &writer)
            } catch {
                return "\(error)"
            }
        case .bson:
            guard BSONDocument.isWellFormed(value) else { return "not a well-formed BSON document" }
            let document = BSONDocument(value)
            if let bad = BSONStrings.firstInvalid(document) {
                switch utf8.policy {
                case .reject: return "field \(bad.path): " + UTF8Gate.reason(byte: bad.byte)
                case .replace: utf8.didReplace(BSONStrings.appendRepaired(document, into: &writer), place: "field \(bad.path)")
                }
            } else {
                for e in document.elements { writer.append(e) }
            }
        case .text:
            writer.append(textField, stringBytes: value)
        }
        return nil
    }

    /// A message key or header value: a string when it is UTF-8, else binary
    /// (Kafka keys and headers are bytes; a hashed or Avro key stays exact,
    /// and a sink never sees a string that is not UTF-8).
    private static func append(_ name: String, _ bytes: UnsafeRawBufferPointer, into w: inout BSONWriter) {
        if UTF8Validation.firstInvalidByte(bytes) == nil {
            w.append(name, stringBytes: bytes)
        } else {
            w.append(name, binary: Array(bytes))
        }
    }

    private func appendMetadata(_ field: String, _ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        let m = message.pointee
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(message, &timestampType)
        writer.appendDocument(field) { w in
            w.append("topic", string: topic)
            w.append("partition", int32: m.partition)
            w.append("offset", int64: m.offset)
            if ts >= 0 { w.append("timestamp", datetime: ts) }
            if let key = m.key { Self.append("key", UnsafeRawBufferPointer(start: key, count: m.key_len), into: &w) }
            var headers: OpaquePointer?
            if rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers {
                w.appendDocument("headers") { h in
                    var i = 0
                    var name: UnsafePointer<CChar>?
                    var value: UnsafeRawPointer?
                    var size = 0
                    while rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                        Self.append(String(cString: name!), UnsafeRawBufferPointer(start: value, count: value == nil ? 0 : size), into: &h)
                        i += 1
                    }
                }
            }
        }
    }

    public func ack(tokens: UnsafeBufferPointer<UInt64>) {
        for token in tokens { state.acked(slot: KafkaToken.slot(token), offset: KafkaToken.offset(token)) }
        commitIfDue()
    }

    /// Commits acked positions, at most once per `commit_interval_ms`: with
    /// small batches, one OffsetCommit per ack is hundreds a second per
    /// consumer for the group coordinator to write. A crash replays at most
    /// one interval more, and still never skips.
    private func commitIfDue() {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastCommitNanos >= commitIntervalNanos else { return }
        let n = state.commit(consumer, sync: false)
        if n > 0 {
            committed.record(Double(n))
            lastCommitNanos = now
        }
    }
}

/// Partition bookkeeping shared with the rebalance callback (same thread:
/// librdkafka calls it from inside consumer_poll).
final class ConsumerState {
    let host: PluginHost
    /// With `start: timestamp`: where partitions without a committed offset begin.
    var startTime: Int64?
    private var slots: [String: Int] = [:]
    private var trackers: [Int: PartitionTracker] = [:]
    /// Never 0: slot 0 at offset 0 would make token 0, which the host reads as "no token" (it cannot pin such a record alone).
    private var nextSlot = 1
    /// Partitions revoked since the last `takeRevoked`.
    private var revoked: Set<UInt32> = []

    /// Set by the error callback when librdkafka finds no broker reachable.
    private var unreachable = false

    init(host: PluginHost) { self.host = host }

    func markUnreachable() { unreachable = true }

    /// Whether the error callback reported the cluster unreachable since the last call.
    func takeUnreachable() -> Bool {
        defer { unreachable = false }
        return unreachable
    }

    /// A new slot for every assignment, never the one the partition had
    /// before: an ack still in flight from the old assignment then finds no
    /// tracker, instead of marking an offset acked that the new assignment
    /// replays (and committing past its replayed copy).
    func assign(topic: String, partition: Int32) {
        let slot = nextSlot
        nextSlot = nextSlot % 0xFFFF + 1
        slots["\(topic)\u{0}\(partition)"] = slot
        trackers[slot] = PartitionTracker(topic: topic, partition: partition)
    }

    /// The slot of an assigned partition (nil if it is not ours any more).
    func slot(topic: String, partition: Int32) -> Int? {
        guard let s = slots["\(topic)\u{0}\(partition)"], trackers[s] != nil else { return nil }
        return s
    }

    func emitted(slot: Int, offset: Int64) { trackers[slot]?.emitted(offset) }

    /// Acks for a revoked partition find no tracker and are dropped: the new owner re-reads them.
    func acked(slot: Int, offset: Int64) { trackers[slot]?.acked(offset) }

    func revokeAll() {
        for t in trackers.values { revoked.insert(UInt32(t.partition)) }
        trackers.removeAll()
    }

    /// The partition numbers revoked since the last call (the splits of the records this source emits).
    func takeRevoked() -> [UInt32] {
        guard !revoked.isEmpty else { return [] }
        defer { revoked.removeAll() }
        return revoked.sorted()
    }

    /// Commits every partition whose position moved; returns how many.
    @discardableResult
    func commit(_ rk: OpaquePointer, sync: Bool) -> Int {
        let dirty = trackers.filter { $0.value.dirty && $0.value.committable != nil }
        guard !dirty.isEmpty else { return 0 }
        let list = rd_kafka_topic_partition_list_new(Int32(dirty.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (slot, t) in dirty {
            let p = rd_kafka_topic_partition_list_add(list, t.topic, t.partition)
            p?.pointee.offset = t.committable!
            trackers[slot]?.dirty = false
        }
        let err = rd_kafka_commit(rk, list, sync ? 0 : 1)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            host.log(.warning, "offset commit failed: \(KafkaConfig.errorName(err))")
        }
        return dirty.count
    }
}

/// Client-level errors (librdkafka calls it from inside consumer_poll, on the
/// polling thread): logged as before, and a cluster out of reach is noted for `/ready`.
private let consumerError: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, err, reason, opaque in
    guard let opaque else { return }
    let state = Unmanaged<ConsumerState>.fromOpaque(opaque).takeUnretainedValue()
    let code = rd_kafka_resp_err_t(err)
    state.host.log(.warning, "consumer: \(KafkaConfig.errorName(code)): \(reason.map { String(cString: $0) } ?? "")")
    if BrokerReachability.meansUnreachable(code) { state.markUnreachable() }
}

/// Eager rebalance: commit what is acked before partitions leave, forget
/// their in-flight records, then take the new assignment.
private let rebalance: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = {
    rk, err, partitions, opaque in
    guard let rk, let opaque else { return }
    let state = Unmanaged<ConsumerState>.fromOpaque(opaque).takeUnretainedValue()
    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        if let partitions, let startTime = state.startTime { seekToTime(rk, partitions, startTime) }
        if let partitions {
            var byTopic: [String: [Int32]] = [:]
            for i in 0 ..< Int(partitions.pointee.cnt) {
                let p = partitions.pointee.elems[i]
                state.assign(topic: String(cString: p.topic), partition: p.partition)
                byTopic[String(cString: p.topic), default: []].append(p.partition)
            }
            let list = byTopic.keys.sorted().map { "\($0)\(byTopic[$0]!.sorted())" }.joined(separator: ", ")
            state.host.log(.info, "assigned \(partitions.pointee.cnt) partition(s): \(list)")
        }
        rd_kafka_assign(rk, partitions)
    default:
        state.commit(rk, sync: true)
        state.revokeAll()
        rd_kafka_assign(rk, nil)
        state.host.log(.info, "partitions revoked")
    }
}

/// For partitions the group has never committed, start at the first message
/// at or after `time`; committed positions win, so a restart resumes.
private func seekToTime(_ rk: OpaquePointer, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, _ time: Int64) {
    guard rd_kafka_committed(rk, partitions, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR else { return }
    _ = startUncommitted(rk, partitions, at: time, timeoutMillis: 5000)
}

/// Sets every partition without a position (offset < 0, as `rd_kafka_committed`
/// leaves one the group never committed) to its first message at or after `time`.
func startUncommitted(_ rk: OpaquePointer, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, at time: Int64,
                      timeoutMillis: Int32) -> rd_kafka_resp_err_t
{
    let lookup = rd_kafka_topic_partition_list_copy(partitions)!
    defer { rd_kafka_topic_partition_list_destroy(lookup) }
    for i in 0 ..< Int(lookup.pointee.cnt) { lookup.pointee.elems[i].offset = time }
    let err = rd_kafka_offsets_for_times(rk, lookup, timeoutMillis)
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return err }
    for i in 0 ..< Int(partitions.pointee.cnt) where partitions.pointee.elems[i].offset < 0 {
        partitions.pointee.elems[i].offset = lookup.pointee.elems[i].offset
    }
    return err
}
