import SluiceSDK

/// `join.join`: an event-time interval join of two keyed streams.
///
/// Each input (ABI 1.1 port) feeds one side. A row is matched against the
/// stored rows of the other side with an equal key and
/// `right.time BETWEEN left.time - lower_ms AND left.time + upper_ms`, then
/// stored, holding its delivery until it leaves state; pairs and outer rows
/// list the holds of the rows they came from. Late rows go to the `late`
/// output or the dead-letter queue. At drain, every outer row comes out
/// (`on_stop: emit`), or the state is left held for replay (`on_stop: replay`).
public final class JoinProcessor: Processor {
    public static let name = "join"
    public static let summary = "Event-time interval join (inner, left, right, full) with watermarks, idle inputs and bounded state"
    public static let configSchema = JoinConfig.schema
    public static let outputs = ["late"]
    private static let lateOutput = outputIndex("late")!

    let config: JoinConfig
    let host: PluginHost
    let inputNames: [String]
    var join: IntervalJoin<[UInt8], Hold?>
    var events: [JoinEvent<[UInt8], Hold?>] = []
    var document: JoinedDocument
    var metrics: JoinMetrics
    var drained = false

    public static func check(config: Config, host: PluginHost) throws {
        _ = try JoinConfig(config).sides(inputNames: host.inputNames)
    }

    public required init(config: Config, host: PluginHost) throws {
        self.config = try JoinConfig(config)
        self.host = host
        inputNames = host.inputNames
        // An ABI 1.0 host has no input ports: every batch would look like the left side's.
        guard !inputNames.isEmpty else { throw SluiceError.config("join needs a host with input ports (ABI 1.1)") }
        let sides = try self.config.sides(inputNames: inputNames)
        join = IntervalJoin(settings: self.config.settings, sides: sides, now: Self.now(host))
        document = JoinedDocument(shape: self.config.shape, left: self.config.left, right: self.config.right)
        metrics = JoinMetrics(host: host, inputNames: inputNames)
    }

    /// Processing time for idle timers: monotonic, so a wall-clock step cannot declare an input idle.
    private static func now(_ host: PluginHost) -> Int64 { Int64(host.monotonicNanos / 1_000_000) }

    public func process(_ batch: Batch, _ output: Output) throws {
        let port = batch.inputPort
        guard port < join.sides.count else { throw SluiceError.permanent("join: batch from input port \(port), configured \(join.sides.count)") }
        let side = config.side(join.sides[port])
        let now = Self.now(host)
        for record in batch {
            let key: JoinKey
            switch side.key.key(in: record.document) {
            case let .success(k): key = k
            case let .failure(f):
                output.fail(record.index, f.reason)
                continue
            }
            let time: Int64
            if let field = side.time {
                switch field.millis(in: record.document) {
                case let .success(t): time = t
                case let .failure(f):
                    output.fail(record.index, "join: \(f.reason)")
                    continue
                }
            } else if let t = record.eventTime {
                time = t
            } else {
                output.fail(record.index, "join: the record has no event time; set \(join.sides[port] == .left ? "left" : "right").time")
                continue
            }
            let bytes = record.document.bytes
            let admission = join.insert(Array(bytes), input: port, key: key, time: time, bytes: bytes.count, now: now,
                                        hold: { output.hold(record.index) }, into: &events)
            if case let .late(horizon) = admission { late(record, port: port, time: time, horizon: horizon, output) }
            carryOut(output)
        }
        join.advance(now: now, into: &events)
        carryOut(output)
        metrics.report(join.stats, join.watermarks, nowMillis: host.wallMillis)
    }

    public func tick(nowMillis: Int64, _ output: Output) throws {
        if host.isStopping {
            guard config.onStop == .emit, !drained else { return }
            drained = true
            join.drain(into: &events)
        } else {
            join.advance(now: Self.now(host), into: &events)
        }
        carryOut(output)
        metrics.report(join.stats, join.watermarks, nowMillis: host.wallMillis)
    }

    private func late(_ record: Record, port: Int, time: Int64, horizon: Int64, _ output: Output) {
        if config.lateToOutput, output.emit(record.document.bytes, inputIndex: record.index, output: Self.lateOutput) { return }
        output.fail(record.index, horizon == .max
            ? "join: late on input \(inputNames[port]): arrived after the join drained"
            : "join: late on input \(inputNames[port]): event time \(ISO8601.format(milliseconds: time)) is behind the watermark minus allowed lateness (\(ISO8601.format(milliseconds: horizon)))")
    }

    /// Emits and releases what the join decided, in its order.
    private func carryOut(_ output: Output) {
        for event in events {
            switch event {
            case let .pair(left, right):
                let doc = document.make(left: left.row, right: right.row)
                emit(doc, time: max(left.time, right.time), holds: [left.hold, right.hold], output)
            case let .unmatched(side, row):
                let doc = side == .left ? document.make(left: row.row, right: nil) : document.make(left: nil, right: row.row)
                emit(doc, time: row.time, holds: [row.hold], output)
            case let .release(hold):
                if let hold { host.release(hold) }
            }
        }
        events.removeAll(keepingCapacity: true)
    }

    private func emit(_ doc: [UInt8], time: Int64, holds: [Hold?], _ output: Output) {
        if !output.emit(doc, eventTime: time, holds: holds.compactMap { $0 }) {
            host.log(.error, "join: the host refused a joined record (\(doc.count) bytes)")
        }
    }
}
