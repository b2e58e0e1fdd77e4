#if canImport(Glibc)
import Glibc
#endif
import CRdKafka
import SluiceSDK

/// `kafka.write`: an idempotent producer. A record counts as written only
/// when its delivery report has come back; failed deliveries are retried
/// when librdkafka says they may succeed later, and dead-lettered with the
/// broker's error otherwise. On a host with writes in flight (ABI 1.4) a
/// batch's reports are waited for while the next batches are produced,
/// as kcat does; else each write waits for its own.
///
/// json: a record that still has the JSON text its source read (ABI 1.6)
/// is sent as that text, unless `normalize: true` or another `date_format`.
public final class KafkaSink: Sink {
    public static let name = "write"
    public static let summary = "Produces records to Kafka (idempotent, keyed, with headers and compression)"
    public static let readsText = true
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false, "required": ["brokers", "topic"],
     "properties": {
       "topic": {"type": "string", "minLength": 1, "description": "a topic, or a template like sensors.{Beach}"},
       "key": {"type": "string", "description": "field path of the message key (default: the record's key)"},
       "headers": {"type": "object", "additionalProperties": {"type": "string"}, "description": "header name → field path"},
       "format": {"enum": ["json", "bson", "text"], "description": "json (default), bson, or text: one field's string value as the whole message"},
       "text_field": {"type": "string", "description": "text format: the field whose value is the message (value)"},
       "normalize": {"type": "boolean", "default": false, "description": "json format: true encodes every record's document (compact Extended JSON); false sends a record that a source read as JSON (kafka.read, file.read) and no processor changed as the text it was read from, without encoding it. Only with date_format: extended"},
       "date_format": {"enum": ["extended", "iso8601", "epoch_ms"], "description": "json format: BSON dates as Extended JSON {\"$date\": …} (default; Sluice reads them back), ISO 8601 strings or epoch milliseconds, for other consumers"},
       "acks": {"enum": ["all", "1", "0", 1, 0, -1], "description": "when the broker reports a message written: all or -1 (default), once every in-sync replica has it; 1, once the leader has; 0, no report awaited. 1 and 0 need idempotent: false"},
       "compression": {"enum": ["none", "gzip", "snappy", "lz4", "zstd"], "description": "codec for message batches (none)"},
       "linger_ms": {"type": "integer", "minimum": 0, "description": "how long the producer waits for more messages to fill a batch before sending it (5; linger.ms)"},
       "batch_size": {"type": "integer", "minimum": 1, "description": "most bytes in one batch of messages to a partition (1000000; batch.size)"},
       "idempotent": {"type": "boolean", "description": "the broker keeps one copy of each message per partition, in order, however often the producer retries it (true; enable.idempotence)"},
       "message_timeout_ms": {"type": "integer", "minimum": 1, "description": "how long the producer tries to deliver a message, retries included; past it the record's write fails and the engine retries it (60000; message.timeout.ms)"},
    """# + KafkaConfig.commonSchema + "}}"

    /// Replaced after a fatal error (e.g. the broker forgot our producer id).
    var producer: OpaquePointer
    let makeProducer: () throws -> OpaquePointer
    let topic: FieldTemplate
    let keyField: String?
    let headers: [(String, String)]
    let format: Format
    let textField: String
    let host: PluginHost
    /// Where delivery reports land; the producer's opaque, so it exists before the producer.
    let deliveries: Deliveries
    var json = JSONWriter(capacity: 512)
    /// json format: send a record's source text (ABI 1.6) as its value when it has one.
    let sendsSourceText: Bool
    /// The arguments of one produce call, kept to reuse their storage.
    var vus: [rd_kafka_vu_t] = []

    public static func check(config: Config, host: PluginHost) throws {
        try KafkaConfig.checkProperties(config)
    }

    public required init(config: Config, host: PluginHost) throws {
        self.host = host
        topic = FieldTemplate(try config.requiredString("topic"))
        keyField = try config.string("key")
        headers = (try config.object("headers")?.json.members ?? []).map { ($0.key, $0.value.string ?? "") }
        format = Format(rawValue: try config.string("format", default: "json")) ?? .json
        textField = try config.string("text_field", default: "value")
        switch try config.string("date_format", default: "extended") {
        case "extended": break
        case let other:
            json.plainTypes = true
            json.dates = JSONWriter.Dates(rawValue: other) ?? .iso8601
        }
        // Another date_format rewrites what a source's text spells as Extended JSON.
        sendsSourceText = try !config.bool("normalize", default: false) && !json.plainTypes
        let acks = config["acks"].map { $0.string ?? String($0.integer ?? -1) } ?? "all"
        let brokers = try KafkaConfig.brokers(config)
        let settings = [
            ("enable.idempotence", try config.bool("idempotent", default: true) ? "true" : "false"),
            ("acks", acks),
            ("compression.codec", try config.string("compression", default: "none")),
            ("linger.ms", String(try config.int("linger_ms", default: 5))),
            ("batch.size", String(try config.int("batch_size", default: 1_000_000))),
            ("message.timeout.ms", String(try config.int("message_timeout_ms", default: 60000))),
        ]
        let passThrough = try config.object("librdkafka")
        let deliveries = Deliveries(host: host)
        self.deliveries = deliveries
        makeProducer = {
            let conf = try KafkaConfig.make(brokers: brokers, settings: settings, passThrough: passThrough)
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReport)
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(deliveries).toOpaque())
            KafkaConfig.routeLogs(conf, to: host)
            var error = [CChar](repeating: 0, count: 512)
            guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
                rd_kafka_conf_destroy(conf)
                throw SluiceError.config("cannot create the producer: \(String(cString: error))")
            }
            try KafkaConfig.probe(rk, brokers: brokers)
            return rk
        }
        producer = try makeProducer()
        host.log(.info, "librdkafka \(String(cString: rd_kafka_version_str()))")
    }

    deinit {
        rd_kafka_flush(producer, 10000)
        rd_kafka_destroy(producer)
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        try recoverFromFatalError()
        guard let first = batch.first, let firstHold = output.hold(first.index) else { return try writeAndWait(batch, output) }
        // The host takes writes in flight (ABI 1.4): each message's hold
        // ends in its delivery report, and this call returns at once, so the
        // next batch is produced while this one travels.
        for record in batch {
            let hold = record.index == first.index ? firstHold : output.hold(record.index)
            guard let hold else { continue }
            if case let .failed(reason, retriable) = produce(record, sourceText: batch.jsonText(record), waiter: .held(hold)) {
                host.release(hold, failed: reason, retriable: retriable)
            }
        }
        rd_kafka_poll(producer, 0)
        deliveries.recordDelivered()
    }

    /// Without writes in flight: produces the batch and waits for every delivery report.
    private func writeAndWait(_ batch: Batch, _ output: Output) throws {
        deliveries.reset(count: batch.count)
        var sent = 0
        var refused = Set<Int>()
        for record in batch {
            switch produce(record, sourceText: batch.jsonText(record), waiter: .record(record.index)) {
            case .sent: sent += 1
            case let .failed(reason, retriable):
                refused.insert(record.index)
                output.fail(record.index, reason, retriable: retriable)
            }
        }
        // Reports arrive on this thread, inside flush. A fatal error purges
        // what is queued, which reports it as failed, so this loop ends.
        while deliveries.reported < sent {
            serveReports()
            if deliveries.reported < sent { host.log(.debug, "waiting for \(sent - deliveries.reported) delivery report(s)") }
        }
        for (i, err) in deliveries.results.enumerated() where !refused.contains(i) && err != RD_KAFKA_RESP_ERR_NO_ERROR {
            output.fail(i, "delivery failed: \(KafkaConfig.errorName(err))", retriable: !KafkaConfig.isPermanent(err))
        }
        deliveries.recordDelivered()
    }

    /// Waits for the report of every message in flight, so each hold has ended.
    public func flush() throws {
        while deliveries.heldInFlight > 0 {
            serveReports()
            if deliveries.heldInFlight > 0 { host.log(.debug, "waiting for \(deliveries.heldInFlight) delivery report(s)") }
        }
        deliveries.recordDelivered()
    }

    /// Serves delivery reports for up to a second; on a fatal error purges
    /// what is queued, which reports it as failed.
    private func serveReports() {
        rd_kafka_flush(producer, 1000)
        var reason = [CChar](repeating: 0, count: 256)
        if rd_kafka_fatal_error(producer, &reason, reason.count) != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_purge(producer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            rd_kafka_poll(producer, 100)
        }
    }

    /// A producer in a fatal state never delivers again: replace it. Records
    /// it had not delivered come back as retriable and are produced anew.
    private func recoverFromFatalError() throws {
        var reason = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(producer, &reason, reason.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        host.log(.error, "producer hit a fatal error (\(String(cString: reason))); starting a new producer")
        rd_kafka_purge(producer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        rd_kafka_flush(producer, 0)
        rd_kafka_destroy(producer)
        producer = try makeProducer()
    }

    enum Format: String { case json, bson, text }

    enum Produced {
        case sent
        case failed(String, retriable: Bool)
    }

    /// `sourceText`: the record's JSON text (`Batch.jsonText`), sent as the json value when there is one.
    private func produce(_ record: Record, sourceText: UnsafeRawBufferPointer?, waiter: Deliveries.Waiter) -> Produced {
        let doc = record.document
        guard let topicName = topic.resolve(doc) else { return .failed("topic template \(topic.template): field missing", retriable: false) }
        // The value's bytes when they are not the JSON writer's or the document: the source text, or the text field.
        var value: UnsafeRawBufferPointer?
        switch format {
        case .bson:
            break
        case .json:
            if sendsSourceText, let sourceText {
                value = sourceText
            } else {
                json.reset()
                json.write(doc)
            }
        case .text:
            guard let e = doc.element(path: textField) else { return .failed("text_field \(textField) is missing", retriable: false) }
            guard let bytes = e.stringBytes else {
                return .failed("text_field \(textField) is \(e.type.jsonTypeName), not a string", retriable: false)
            }
            value = bytes
        }
        var key: [UInt8]?
        if let keyField {
            guard let e = doc.element(path: keyField) else { return .failed("key field \(keyField) is missing", retriable: false) }
            key = e.stringBytes.map(Array.init) ?? Array(JSONWriter.string(e.jsonValue).utf8)
        } else if let k = record.key {
            key = Array(k)
        }
        let headerValues: [(String, [UInt8])] = headers.compactMap { name, path in
            guard let e = doc.element(path: path) else { return nil }
            return (name, e.stringBytes.map(Array.init) ?? Array(JSONWriter.string(e.jsonValue).utf8))
        }
        let slot = deliveries.add(waiter)
        while true {
            // librdkafka copies the value (RD_KAFKA_MSG_F_COPY), so it is
            // passed straight from the JSON buffer or the record, not copied first.
            let err = topicName.withCString { t in
                withValue(doc, value) { v in
                    withKey(key) { k, kl in
                        produceva(t, v, k, kl, headerValues, timestamp: record.eventTime, opaque: slot)
                    }
                }
            }
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(producer, 100)
                continue
            }
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return .sent }
            deliveries.remove(slot)
            return .failed("produce failed: \(KafkaConfig.errorName(err))", retriable: !KafkaConfig.isPermanent(err))
        }
    }

    private func withValue<R>(_ doc: BSONDocument, _ value: UnsafeRawBufferPointer?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch format {
        case .bson: return body(doc.bytes)
        case .json: return value.map(body) ?? json.bytes.withUnsafeBytes(body)
        case .text: return body(value!)
        }
    }

    private func withKey<R>(_ key: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) -> R) -> R {
        guard var key else { return body(nil, 0) }
        return key.withUnsafeMutableBytes { body($0.baseAddress, $0.count) }
    }

    private func produceva(_ topic: UnsafePointer<CChar>, _ value: UnsafeRawBufferPointer, _ key: UnsafeMutableRawPointer?,
                           _ keyLength: Int, _ headerValues: [(String, [UInt8])], timestamp: Int64?, opaque: Int) -> rd_kafka_resp_err_t
    {
        vus.removeAll(keepingCapacity: true)
        func vu(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
            var v = rd_kafka_vu_t()
            v.vtype = type
            fill(&v)
            vus.append(v)
        }
        vu(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topic }
        vu(RD_KAFKA_VTYPE_VALUE) { $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress); $0.u.mem.size = value.count }
        if let key { vu(RD_KAFKA_VTYPE_KEY) { $0.u.mem.ptr = key; $0.u.mem.size = keyLength } }
        vu(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
        // The record's event time becomes the message timestamp (CreateTime),
        // so consumers and time-based retention see when it happened.
        if let timestamp { vu(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
        vu(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: opaque + 1) }
        // librdkafka copies header names and values into the message.
        let names = headerValues.map { strdup($0.0)! }
        let values = headerValues.map { h -> UnsafeMutableRawPointer in
            let p = malloc(max(1, h.1.count))!
            h.1.withUnsafeBytes { if let base = $0.baseAddress { p.copyMemory(from: base, byteCount: h.1.count) } }
            return p
        }
        defer {
            names.forEach { free($0) }
            values.forEach { free($0) }
        }
        for i in headerValues.indices {
            vu(RD_KAFKA_VTYPE_HEADER) { v in
                v.u.header.name = UnsafePointer(names[i])
                v.u.header.val = UnsafeRawPointer(values[i])
                v.u.header.size = headerValues[i].1.count
            }
        }
        guard let error = rd_kafka_produceva(producer, vus, vus.count) else { return RD_KAFKA_RESP_ERR_NO_ERROR }
        defer { rd_kafka_error_destroy(error) }
        return rd_kafka_error_code(error)
    }

}

/// Where each message's delivery report goes: the opaque of a message is
/// its slot here + 1, and the slot says whom the report is for.
///
/// Used on the producing thread only: librdkafka calls the report callback
/// inside the poll and flush calls this sink makes.
final class Deliveries {
    enum Waiter {
        /// A record of the batch `writeAndWait` is waiting for, by index.
        case record(Int)
        /// A record the host took as in flight (ABI 1.4).
        case held(Hold)
    }

    /// Results of the batch `writeAndWait` is waiting for, by record index.
    private(set) var results: [rd_kafka_resp_err_t] = []
    private(set) var reported = 0
    /// Messages produced under a hold whose report has not come back.
    private(set) var heldInFlight = 0
    private var slots: [Waiter?] = []
    private var freeSlots: [Int] = []
    /// Messages acknowledged since the last `recordDelivered`.
    private var deliveredSince = 0
    private let host: PluginHost
    private let delivered: Metric

    init(host: PluginHost) {
        self.host = host
        delivered = host.metric(.counter, "messages_delivered_total", help: "messages acknowledged by the brokers")
    }

    func reset(count: Int) {
        results = Array(repeating: RD_KAFKA_RESP_ERR_NO_ERROR, count: count)
        reported = 0
    }

    /// A slot for a message about to be produced.
    func add(_ waiter: Waiter) -> Int {
        if case .held = waiter { heldInFlight += 1 }
        if let slot = freeSlots.popLast() {
            slots[slot] = waiter
            return slot
        }
        slots.append(waiter)
        return slots.count - 1
    }

    /// Frees the slot of a message librdkafka refused (no report will come).
    func remove(_ slot: Int) {
        if case .held = slots[slot] { heldInFlight -= 1 }
        slots[slot] = nil
        freeSlots.append(slot)
    }

    func report(slot: Int, err: rd_kafka_resp_err_t) {
        guard slot >= 0, slot < slots.count, let waiter = slots[slot] else { return }
        remove(slot)
        if err == RD_KAFKA_RESP_ERR_NO_ERROR { deliveredSince += 1 }
        switch waiter {
        case let .record(index):
            guard index < results.count else { return }
            results[index] = err
            reported += 1
        case let .held(hold):
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                host.release(hold)
            } else {
                host.release(hold, failed: "delivery failed: \(KafkaConfig.errorName(err))", retriable: !KafkaConfig.isPermanent(err))
            }
        }
    }

    /// Adds the acknowledged messages to the metric, once per call rather than per message.
    func recordDelivered() {
        guard deliveredSince > 0 else { return }
        delivered.record(Double(deliveredSince))
        deliveredSince = 0
    }
}

/// Delivery reports arrive on the producing thread; the message opaque is its slot + 1.
private let deliveryReport: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { _, message, opaque in
    guard let opaque, let message else { return }
    let deliveries = Unmanaged<Deliveries>.fromOpaque(opaque).takeUnretainedValue()
    deliveries.report(slot: Int(bitPattern: message.pointee._private) - 1, err: message.pointee.err)
}
