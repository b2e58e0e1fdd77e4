import Foundation
import SluiceSDK

/// The messages between the host and a plugin child (`isolation: process`).
/// Each message travels whole through `WireChannel`: its bytes in memory
/// both processes share, a control frame on the child's stdin or stdout
/// saying where. Integers are little-endian.
///
/// Host → child: first the `Hello` (u32 length, JSON); then requests, a kind
/// byte followed by:
/// - `write`: a `BufferFrame` (the input port is inside it);
/// - `process`: u32 length, then u32 input port and the records as
///   `WireRecords` (with their delivery tokens);
/// - `tick`: i64 wall time (ms), u8 0, or the last tick's `stopping` (1
///   the inputs ended, 2 a stop was requested);
/// - `revoke`: u32 input port, u32 count, the splits (u32 each);
/// - `poll`: u32 most records, u32 timeout (ms), u8 1 once the run is stopping;
/// - `ack`: u32 count, the child's delivery tokens (u64 each);
/// - `flush`, `close`: nothing.
///
/// Child → host: after create, a status byte (`Started`) and a message (u32
/// length, UTF-8). After `write`: i32 status, then the record failures (u32
/// count, each u32 index, u8 retriable, u32 length, reason), then u32
/// length and the plugin's metrics (`MetricUpdate`). After `flush`:
/// i32 status; after `ack`, u32 0 (so a child that died in ack is seen).
/// After `process`, `tick`, `revoke` and `poll`: a `CallAnswer`, u32 length
/// then its bytes (read whole in one go): i32 status; the failures as
/// above; u32 emits refused; the holds the plugin took (u32 count, each u64
/// handle in the child, u32 input index), attached to outputs (u32 count,
/// each u32 output, u64 handle) and ended since the last answer (u32 count,
/// u64 handles); the revocations (u32 count, each u32 position, u32 count,
/// the splits); the plugin's metrics (`MetricUpdate`); then u32 outputs,
/// each its records as `WireRecords`.
///
/// Holds: the host mirrors each hold the child reports with a pin of its
/// own on the record's delivery (`IsolatedProcessor`, `WireHolds`), so a
/// record the plugin keeps in state is acknowledged only after the plugin
/// released it, and replays what a dead child held into the next one.
///
/// A message that does not parse whole is refused: readers take the whole
/// message and nil means the child is killed.
enum IsolationWire {
    enum Request: UInt8 {
        case write = 1
        case flush = 2
        case close = 3
        case process = 4
        case tick = 5
        case revoke = 6
        case poll = 7
        case ack = 8
    }

    enum Started: UInt8 {
        case ok = 0
        case config = 1
        case retriable = 2
    }

    /// What the child creates its component with: what an in-process
    /// instance's `ComponentHost` would be given.
    struct Hello: Equatable {
        var config: JSONObject
        /// A processor's input names (`host->inputs`).
        var inputs: [String] = []
        /// A processor's outputs (0 the default): whether each has a reader.
        var outputWired: [Bool] = []
        /// A processor's state directory (`engine.state_dir/NAME`).
        var stateDirectory: String?
        /// `host->worker_index` and `worker_count` (ABI 1.5).
        var worker = 0
        var workerCount = 1

        var json: String {
            var object = JSONObject([("config", .object(config)), ("inputs", .array(inputs.map { .string($0) })),
                                     ("output_wired", .array(outputWired.map { .bool($0) }))])
            if let stateDirectory { object["state_dir"] = .string(stateDirectory) }
            if workerCount > 1 {
                object["worker_index"] = .int(Int64(worker))
                object["worker_count"] = .int(Int64(workerCount))
            }
            return JSONWriter.string(.object(object))
        }

        init(config: JSONObject, inputs: [String] = [], outputWired: [Bool] = [], stateDirectory: String? = nil, worker: Int = 0, workerCount: Int = 1) {
            self.config = config
            self.inputs = inputs
            self.outputWired = outputWired
            self.stateDirectory = stateDirectory
            self.worker = worker
            self.workerCount = workerCount
        }

        init?(json: String) {
            guard let value = try? JSONParser.parse(json), let config = value["config"]?.object,
                  let inputs = value["inputs"]?.array, let wired = value["output_wired"]?.array
            else { return nil }
            self.config = config
            self.inputs = inputs.compactMap(\.string)
            outputWired = wired.compactMap(\.bool)
            stateDirectory = value["state_dir"]?.string
            worker = value["worker_index"]?.integer.map(Int.init) ?? 0
            workerCount = value["worker_count"]?.integer.map(Int.init) ?? 1
        }
    }

    /// What a processor's call (process, tick, revoke) or a source's poll did in the child.
    struct CallAnswer {
        var status: Int32
        var failures: [Failure]
        /// Emits the child's context refused (malformed BSON, unknown output or hold).
        var rejected: Int
        /// Holds the plugin took in the call (`host->hold`): its handle in
        /// the child and the input record's index. The host pins the record.
        var taken: [(hold: UInt64, index: Int)] = []
        /// Holds the plugin emitted records with (`sluice_emit_options.holds`),
        /// per output: the host attaches its pins to that output.
        var attached: [(output: Int, hold: UInt64)] = []
        /// Holds the plugin ended since the last answer (`release` is
        /// any-thread: in this call, or between calls): the host unpins.
        var released: [UInt64] = []
        /// A source's `revoke_splits`, each at the count of records emitted before it.
        var revocations: [(position: Int, splits: [UInt32])] = []
        /// The plugin's metrics recorded since the last answer.
        var metrics: [MetricUpdate] = []
    }

    /// What the plugin recorded in one of its metrics (`host->metric`) since
    /// the child's last answer: a counter's increase, a gauge's last value,
    /// a histogram's observations. The host records them in its own series
    /// of the same name and labels, so `/metrics` shows the child's metrics
    /// as an in-process instance's (counters stay monotonic across restarts).
    struct MetricUpdate: Equatable {
        var kind: PluginMetric.Kind
        /// The name as the plugin registered it, labels included.
        var name: String
        var help: String
        var values: [Double]

        private static let kinds: [PluginMetric.Kind] = [.counter, .gauge, .histogram]

        /// What the child's metrics recorded since they were last taken.
        static func taken(from metrics: RunMetrics) -> [MetricUpdate] {
            metrics.pluginMetrics.compactMap { m in
                guard let registered = m.registered, let values = m.takeRecorded() else { return nil }
                return MetricUpdate(kind: m.kind, name: registered.name, help: registered.help, values: values)
            }
        }

        /// u32 count, then each: u8 kind (0 counter, 1 gauge, 2 histogram),
        /// name and help (u32 length, UTF-8), u32 count, the values (f64).
        static func put(_ updates: [MetricUpdate], into out: inout [UInt8]) {
            out.appendLittleEndian(UInt32(updates.count))
            for u in updates {
                out.append(UInt8(kinds.firstIndex(of: u.kind)!))
                IsolationWire.put(u.name, into: &out)
                IsolationWire.put(u.help, into: &out)
                out.appendLittleEndian(UInt32(u.values.count))
                for v in u.values { out.appendLittleEndian(v.bitPattern) }
            }
        }

        static func read(_ r: inout WireCursor) -> [MetricUpdate]? {
            guard let count = r.u32() else { return nil }
            var updates: [MetricUpdate] = []
            for _ in 0 ..< count {
                guard let kind = r.u8(), Int(kind) < kinds.count, let name = r.string(), let help = r.string(), let n = r.u32() else { return nil }
                var values: [Double] = []
                for _ in 0 ..< n {
                    guard let bits = r.u64() else { return nil }
                    values.append(Double(bitPattern: bits))
                }
                updates.append(MetricUpdate(kind: kinds[Int(kind)], name: name, help: help, values: values))
            }
            return updates
        }
    }

    /// Waits until `fd` has something to read (or is closed); false after
    /// `timeoutMillis` without (0 waits for ever).
    static func waitReadable(_ fd: Int32, timeoutMillis: Int) -> Bool {
        guard timeoutMillis > 0 else { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Clock.monotonicNanos() + UInt64(timeoutMillis) * 1_000_000
        while true {
            let now = Clock.monotonicNanos()
            guard now < deadline else { return false }
            let n = poll(&p, 1, Int32(min((deadline - now) / 1_000_000 + 1, UInt64(Int32.max))))
            if n > 0 { return true }
            if n < 0, errno != EINTR { return true }
        }
    }

    /// A message that is one u32 (a flush's status, an ack's answer).
    static func readUInt32(_ message: [UInt8]) -> UInt32? {
        read(message) { r in r.u32() }
    }

    /// A message that is one string (the hello).
    static func readString(_ message: [UInt8]) -> String? {
        read(message) { r in r.string() }
    }

    /// The child's answer to the hello: how create went, and its message.
    static func readStarted(_ message: [UInt8]) -> (Started, String)? {
        read(message) { r in
            guard let status = r.u8().flatMap(Started.init(rawValue:)), let text = r.string() else { return nil }
            return (status, text)
        }
    }

    /// Parses a whole message with `body`; nil if it does not parse or leaves bytes over.
    static func read<T>(_ message: some ContiguousBytes, _ body: (inout WireCursor) -> T?) -> T? {
        message.withUnsafeBytes { b in
            var r = WireCursor(b)
            guard let value = body(&r), r.isAtEnd else { return nil }
            return value
        }
    }

    static func put(_ s: String, into out: inout [UInt8]) {
        out.appendLittleEndian(UInt32(s.utf8.count))
        out.append(contentsOf: s.utf8)
    }

    /// A `process` request.
    static func processRequest(_ records: RecordBuffer, port: Int) -> [UInt8] {
        var out: [UInt8] = [Request.process.rawValue, 0, 0, 0, 0]
        out.appendLittleEndian(UInt32(port))
        WireRecords.put(records, into: &out)
        let length = UInt32(out.count - 5).littleEndian
        withUnsafeBytes(of: length) { out.replaceSubrange(1 ..< 5, with: $0) }
        return out
    }

    /// A `process` request's records and port, after its kind byte.
    static func readProcessRequest(_ r: inout WireCursor) -> (RecordBuffer, port: Int)? {
        guard let length = r.u32(), Int(length) == r.remaining, let port = r.u32(), let records = WireRecords.buffer(&r)
        else { return nil }
        return (records, Int(port))
    }

    /// A `write` answer: the status, the record failures and the plugin's metrics.
    static func writeAnswer(status: Int32, failures: [Failure], metrics: [MetricUpdate]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendLittleEndian(UInt32(bitPattern: status))
        put(failures, into: &out)
        var updates: [UInt8] = []
        MetricUpdate.put(metrics, into: &updates)
        out.appendLittleEndian(UInt32(updates.count))
        out.append(contentsOf: updates)
        return out
    }

    static func readWriteAnswer(_ message: [UInt8]) -> (status: Int32, failures: [Failure], metrics: [MetricUpdate])? {
        read(message) { r in
            guard let status = r.u32(), let count = r.u32() else { return nil }
            var failures: [Failure] = []
            for _ in 0 ..< count {
                guard let index = r.u32(), let retriable = r.u8(), let reason = r.string() else { return nil }
                failures.append(Failure(index: Int(index), retriable: retriable != 0, reason: reason))
            }
            guard let length = r.u32(), let block = r.bytes(Int(length)) else { return nil }
            var m = WireCursor(block)
            guard let metrics = MetricUpdate.read(&m), m.isAtEnd else { return nil }
            return (Int32(bitPattern: status), failures, metrics)
        }
    }

    private static func put(_ failures: [Failure], into out: inout [UInt8]) {
        out.appendLittleEndian(UInt32(failures.count))
        for f in failures {
            out.appendLittleEndian(UInt32(f.index))
            out.append(f.retriable ? 1 : 0)
            put(f.reason, into: &out)
        }
    }

    /// A processor call's answer, length first, with the records emitted
    /// to each output (0 the default).
    static func encode(_ answer: CallAnswer, outputs: [RecordBuffer]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0, 0]
        out.appendLittleEndian(UInt32(bitPattern: answer.status))
        put(answer.failures, into: &out)
        out.appendLittleEndian(UInt32(answer.rejected))
        out.appendLittleEndian(UInt32(answer.taken.count))
        for (hold, index) in answer.taken {
            out.appendLittleEndian(hold)
            out.appendLittleEndian(UInt32(index))
        }
        out.appendLittleEndian(UInt32(answer.attached.count))
        for (output, hold) in answer.attached {
            out.appendLittleEndian(UInt32(output))
            out.appendLittleEndian(hold)
        }
        out.appendLittleEndian(UInt32(answer.released.count))
        for hold in answer.released { out.appendLittleEndian(hold) }
        out.appendLittleEndian(UInt32(answer.revocations.count))
        for (position, splits) in answer.revocations {
            out.appendLittleEndian(UInt32(position))
            out.appendLittleEndian(UInt32(splits.count))
            for split in splits { out.appendLittleEndian(split) }
        }
        MetricUpdate.put(answer.metrics, into: &out)
        out.appendLittleEndian(UInt32(outputs.count))
        for records in outputs { WireRecords.put(records, into: &out) }
        let length = UInt32(out.count - 4).littleEndian
        withUnsafeBytes(of: length) { out.replaceSubrange(0 ..< 4, with: $0) }
        return out
    }

    /// A `CallAnswer` message decoded, with its bytes for
    /// `decodeCallAnswer` to give the records from; nil when it does not parse.
    static func readCallAnswer(_ message: [UInt8]) -> (answer: CallAnswer, bytes: ArraySlice<UInt8>)? {
        guard let length = read(message.prefix(4), { r in r.u32() }), Int(length) == message.count - 4 else { return nil }
        let bytes = message[4...]
        guard let answer = decodeCallAnswer(bytes, record: { _, _ in }) else { return nil }
        return (answer, bytes)
    }

    /// Decodes a `CallAnswer`, giving each emitted record to `record`
    /// (output index, record) as it goes; nil when the bytes do not parse
    /// (records given before that are to be discarded).
    static func decodeCallAnswer(_ bytes: some ContiguousBytes, record: (Int, WireRecords.Record) -> Void) -> CallAnswer? {
        bytes.withUnsafeBytes { b -> CallAnswer? in
            var r = WireCursor(b)
            guard let status = r.u32(), let count = r.u32() else { return nil }
            var failures: [Failure] = []
            for _ in 0 ..< count {
                guard let index = r.u32(), let retriable = r.u8(), let reason = r.string() else { return nil }
                failures.append(Failure(index: Int(index), retriable: retriable != 0, reason: reason))
            }
            guard let rejected = r.u32(), let takenCount = r.u32() else { return nil }
            var taken: [(hold: UInt64, index: Int)] = []
            for _ in 0 ..< takenCount {
                guard let hold = r.u64(), let index = r.u32() else { return nil }
                taken.append((hold, Int(index)))
            }
            guard let attachedCount = r.u32() else { return nil }
            var attached: [(output: Int, hold: UInt64)] = []
            for _ in 0 ..< attachedCount {
                guard let output = r.u32(), let hold = r.u64() else { return nil }
                attached.append((Int(output), hold))
            }
            guard let releasedCount = r.u32() else { return nil }
            var released: [UInt64] = []
            for _ in 0 ..< releasedCount {
                guard let hold = r.u64() else { return nil }
                released.append(hold)
            }
            guard let revocationCount = r.u32() else { return nil }
            var revocations: [(position: Int, splits: [UInt32])] = []
            for _ in 0 ..< revocationCount {
                guard let position = r.u32(), let n = r.u32() else { return nil }
                var splits: [UInt32] = []
                for _ in 0 ..< n {
                    guard let split = r.u32() else { return nil }
                    splits.append(split)
                }
                revocations.append((Int(position), splits))
            }
            guard let metrics = MetricUpdate.read(&r), let outputCount = r.u32() else { return nil }
            for output in 0 ..< Int(outputCount) {
                guard WireRecords.read(&r, { record(output, $0) }) else { return nil }
            }
            guard r.isAtEnd else { return nil }
            return CallAnswer(status: Int32(bitPattern: status), failures: failures, rejected: Int(rejected), taken: taken,
                              attached: attached, released: released, revocations: revocations, metrics: metrics)
        }
    }
}
