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
/// - `tick`: i64 wall time (ms), u8 1 when it is the last tick (draining);
/// - `revoke`: u32 input port, u32 count, the splits (u32 each);
/// - `poll`: u32 most records, u32 timeout (ms), u8 1 once the run is stopping;
/// - `ack`: u32 count, the child's delivery tokens (u64 each);
/// - `flush`, `close`: nothing.
///
/// Child → host: after create, a status byte (`Started`) and a message (u32
/// length, UTF-8). After `write`: i32 status, then the record failures (u32
/// count, each u32 index, u8 retriable, u32 length, reason). After `flush`:
/// i32 status; after `ack`, u32 0 (so a child that died in ack is seen).
/// After `process`, `tick`, `revoke` and `poll`: a `CallAnswer`, u32 length
/// then its bytes.
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

        var json: String {
            var object = JSONObject([("config", .object(config)), ("inputs", .array(inputs.map { .string($0) })),
                                     ("output_wired", .array(outputWired.map { .bool($0) }))])
            if let stateDirectory { object["state_dir"] = .string(stateDirectory) }
            return JSONWriter.string(.object(object))
        }

        init(config: JSONObject, inputs: [String] = [], outputWired: [Bool] = [], stateDirectory: String? = nil) {
            self.config = config
            self.inputs = inputs
            self.outputWired = outputWired
            self.stateDirectory = stateDirectory
        }

        init?(json: String) {
            guard let value = try? JSONParser.parse(json), let config = value["config"]?.object,
                  let inputs = value["inputs"]?.array, let wired = value["output_wired"]?.array
            else { return nil }
            self.config = config
            self.inputs = inputs.compactMap(\.string)
            outputWired = wired.compactMap(\.bool)
            stateDirectory = value["state_dir"]?.string
        }
    }

    /// What a processor's call (process, tick, revoke) or a source's poll did in the child.
    struct CallAnswer {
        var status: Int32
        var failures: [Failure]
        /// Emits the child's context refused (malformed BSON, unknown output or hold).
        var rejected: Int
        /// Holds the plugin still has after the call (`host->hold`): records
        /// kept in the child's state, which the host cannot pin.
        var held: Int
        /// A source's `revoke_splits`, each at the count of records emitted before it.
        var revocations: [(position: Int, splits: [UInt32])] = []
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

    /// A `write` answer: the status and the record failures.
    static func writeAnswer(status: Int32, failures: [Failure]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendLittleEndian(UInt32(bitPattern: status))
        put(failures, into: &out)
        return out
    }

    static func readWriteAnswer(_ message: [UInt8]) -> (status: Int32, failures: [Failure])? {
        read(message) { r in
            guard let status = r.u32(), let count = r.u32() else { return nil }
            var failures: [Failure] = []
            for _ in 0 ..< count {
                guard let index = r.u32(), let retriable = r.u8(), let reason = r.string() else { return nil }
                failures.append(Failure(index: Int(index), retriable: retriable != 0, reason: reason))
            }
            return (Int32(bitPattern: status), failures)
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
        out.appendLittleEndian(UInt32(answer.held))
        out.appendLittleEndian(UInt32(answer.revocations.count))
        for (position, splits) in answer.revocations {
            out.appendLittleEndian(UInt32(position))
            out.appendLittleEndian(UInt32(splits.count))
            for split in splits { out.appendLittleEndian(split) }
        }
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
            guard let rejected = r.u32(), let held = r.u32(), let revocationCount = r.u32() else { return nil }
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
            guard let outputCount = r.u32() else { return nil }
            for output in 0 ..< Int(outputCount) {
                guard WireRecords.read(&r, { record(output, $0) }) else { return nil }
            }
            guard r.isAtEnd else { return nil }
            return CallAnswer(status: Int32(bitPattern: status), failures: failures, rejected: Int(rejected), held: Int(held),
                              revocations: revocations)
        }
    }
}
