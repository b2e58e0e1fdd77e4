import SluiceSDK

/// `join.join`: an event-time interval join of two keyed streams.
///
/// Each input (ABI 1.1 port) feeds one side, or both when each side's
/// `when` picks its records. State is kept per source split (ABI 1.3, a
/// Kafka partition; see `SplitJoins`). A row is matched against the
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
    /// Windows are kept per key and split: with `workers: N`, each key and split stays on one worker.
    public static let keyedState = true
    private static let lateOutput = outputIndex("late")!

    let config: JoinConfig
    let host: PluginHost
    let streams: [JoinStream]
    /// Per input port, the streams it feeds.
    let portStreams: [[Int]]
    /// Late rows go to the `late` output (else the dead-letter queue with the reason).
    let lateToOutput: Bool
    /// Per stream, how its rows' key and event time are read.
    let readers: [RowReader]
    /// What changes from record to record, passed down as one `inout`
    /// value: each access to a class's stored property is checked for
    /// exclusivity at run time, a few hundred instructions per record when
    /// the loop touched them directly.
    struct State {
        var joins: SplitJoins<StoredRecord, Hold?>
        var events: [JoinEvent<StoredRecord, Hold?>] = []
        var document: JoinedDocument
        /// The documents of stored records.
        var arena = RowArena()
        /// The holds this carry-out ends, released together at its end.
        var releases: [Hold] = []
        /// Kept rows from replaying sources that matched, for a restart (nil for an inner join, which emits no outer rows).
        var ledger: MatchLedger?

        // One access to the processor's `state` each: `state.joins.advance(into: &state.events)` would be two, overlapping.
        mutating func advance(now: Int64) { joins.advance(now: now, into: &events) }
        mutating func drain() { joins.drain(into: &events) }
        mutating func revoke(_ splits: [UInt32]) { joins.revoke(splits, into: &events) }
    }

    var state: State
    var metrics: JoinMetrics
    var drained = false
    /// A stored record: where its document is in `arena`, and whether its
    /// source resumes from committed positions after a restart (it has a
    /// split: a Kafka partition), so that a restart replays it rather than
    /// reading it afresh. Plain integers: copying one retains nothing.
    struct StoredRecord {
        var offset: Int
        let count: Int
        let replayed: Bool
    }

    public static func check(config: Config, host: PluginHost) throws {
        _ = try JoinConfig(config).streams(inputNames: host.inputNames)
    }

    public required init(config: Config, host: PluginHost) throws {
        self.config = try JoinConfig(config)
        self.host = host
        let inputNames = host.inputNames
        // An ABI 1.0 host has no input ports: every batch would look like the left side's.
        guard !inputNames.isEmpty else { throw SluiceError.config("join needs a host with input ports (ABI 1.1)") }
        let streams = try self.config.streams(inputNames: inputNames)
        self.streams = streams
        portStreams = inputNames.indices.map { port in streams.indices.filter { streams[$0].port == port } }
        let joinConfig = self.config
        readers = streams.map { RowReader(keys: joinConfig.side($0.side).key, time: joinConfig.side($0.side).time) }
        lateToOutput = self.config.lateToOutput ?? host.isOutputWired(Self.lateOutput) ?? false
        metrics = JoinMetrics(host: host, streamNames: streams.map(\.name))
        let settings = self.config.settings
        var ledger: MatchLedger?
        if settings.type != .inner, let dir = host.stateDirectory {
            // Replays reach back about a window and the commit lag behind the horizon; ten windows leave a wide margin.
            let window = settings.lower.saturatingAdd(settings.upper).saturatingAdd(settings.maxOutOfOrderness)
                .saturatingAdd(settings.allowedLateness)
            let (retention, overflow) = window.multipliedReportingOverflow(by: 10)
            ledger = try MatchLedger(directory: dir, retention: overflow ? .max : max(60_000, retention))
        }
        state = State(joins: SplitJoins(settings: settings, sides: streams.map(\.side)),
                      document: JoinedDocument(shape: self.config.shape, left: self.config.left, right: self.config.right),
                      ledger: ledger)
    }

    /// Processing time for idle timers: monotonic, so a wall-clock step cannot declare an input idle.
    private static func now(_ host: PluginHost) -> Int64 { Int64(host.monotonicNanos / 1_000_000) }

    public func process(_ batch: Batch, _ output: Output) throws {
        let port = batch.inputPort
        guard port < portStreams.count else { throw SluiceError.permanent("join: batch from input port \(port), configured \(portStreams.count)") }
        let revoked = batch.revokedSplits
        if !revoked.isEmpty {
            state.revoke(revoked)
            carryOut(output, &state)
            host.log(.info, "join: split(s) \(revoked) moved to another consumer; their rows left state without output and replay there")
            return
        }
        let now = Self.now(host)
        insert(batch, from: portStreams[port], now: now, output, &state)
        state.advance(now: now)
        carryOut(output, &state)
        metrics.report(state.joins.stats, state.joins.watermarks, nowMillis: host.wallMillis)
    }

    private func insert(_ batch: Batch, from candidates: [Int], now: Int64, _ output: Output, _ state: inout State) {
        for record in batch {
            guard let stream = candidates.count == 1 ? candidates[0] : candidates.first(where: { streams[$0].when!.matches(record.document) }) else {
                output.fail(record.index, "join: the record matches neither \(Self.describe(config.left.when)) nor \(Self.describe(config.right.when))")
                continue
            }
            let key: JoinKey
            let time: Int64
            switch readers[stream].read(record.document) {
            case let .failure(reason):
                output.fail(record.index, reason)
                continue
            case let .row(k, t?):
                key = k
                time = t
            case let .row(k, nil):
                guard let t = record.eventTime else {
                    output.fail(record.index, "join: the record has no event time; set \(streams[stream].side == .left ? "left" : "right").time")
                    continue
                }
                key = k
                time = t
            }
            let bytes = record.document.bytes
            let offset = state.arena.append(bytes)
            let stored = StoredRecord(offset: offset, count: bytes.count, replayed: record.split != nil)
            let admission = state.joins.insert(stored, split: record.split ?? UInt32.max, stream: stream, key: key, time: time,
                                               bytes: bytes.count, now: now, hold: { output.hold(record.index) }, into: &state.events)
            if case let .late(horizon) = admission {
                state.arena.truncate(to: offset)
                late(record, stream: stream, time: time, horizon: horizon, output)
            }
            if state.events.count >= Self.eventsPerCarryOut { carryOut(output, &state) }
        }
    }

    /// Events carried out within a batch once this many are pending: the
    /// list stays small and hot in cache, where a batch of 4,096 records
    /// that evicts its whole state grew it to tens of thousands, copied at
    /// each doubling.
    static let eventsPerCarryOut = 1024

    private static func describe(_ when: FieldEquals?) -> String {
        when.map { "\($0.field) == \($0.equals.debugDescription)" } ?? "its side"
    }

    public func tick(nowMillis: Int64, _ output: Output) throws {
        if host.isStopping {
            // `replay` leaves the window held only when the run was cut
            // short; inputs that ended have nothing left to replay.
            guard config.onStop == .emit || !host.isStopRequested, !drained else { return }
            drained = true
            state.drain()
        } else {
            state.advance(now: Self.now(host))
        }
        carryOut(output, &state)
        metrics.report(state.joins.stats, state.joins.watermarks, nowMillis: host.wallMillis)
    }

    private func late(_ record: Record, stream: Int, time: Int64, horizon: Int64, _ output: Output) {
        if lateToOutput, output.emit(record.document.bytes, inputIndex: record.index, output: Self.lateOutput) { return }
        output.fail(record.index, horizon == .max
            ? "join: late on input \(streams[stream].name): arrived after the join drained"
            : "join: late on input \(streams[stream].name): event time \(ISO8601.format(milliseconds: time)) is behind the watermark minus allowed lateness (\(ISO8601.format(milliseconds: horizon)))")
    }

    /// Emits what the join decided, in its order, then releases the holds
    /// of the rows that left, all in one call to the host. The ledger
    /// learns of this call's matches before any hold is released; if it
    /// cannot, the holds stay: the sources commit nothing past them, and a
    /// restart replays them.
    private func carryOut(_ output: Output, _ state: inout State) {
        var releasing = true
        if state.ledger != nil {
            let type = config.settings.type
            for case let .pair(left, right) in state.events {
                if left.row.replayed, type.preserves(.left), let id = identity(.left, left, in: state.arena) {
                    state.ledger!.record(id, time: left.time)
                }
                if right.row.replayed, type.preserves(.right), let id = identity(.right, right, in: state.arena) {
                    state.ledger!.record(id, time: right.time)
                }
            }
            if let problem = state.ledger!.flush() {
                host.log(.error, "join: \(problem); holds kept, so the sources commit nothing past them")
                releasing = false
            }
        }
        let ledger = state.ledger
        state.arena.bytes.withUnsafeBytes { stored in
            func row(_ r: StoredRecord) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: stored[r.offset ..< r.offset + r.count]) }
            for event in state.events {
                switch event {
                case let .pair(left, right):
                    emit(left: row(left.row), right: row(right.row), time: max(left.time, right.time), holds: left.hold, right.hold,
                         &state.document, output)
                case let .unmatched(side, unmatched):
                    if unmatched.row.replayed, let ledger, let id = identity(side, unmatched, in: row(unmatched.row)),
                       ledger.earlier.contains(id)
                    {
                        metrics.replayedMatched.record(1)
                        continue
                    }
                    let bytes = row(unmatched.row)
                    emit(left: side == .left ? bytes : nil, right: side == .left ? nil : bytes, time: unmatched.time,
                         holds: unmatched.hold, nil, &state.document, output)
                case let .release(hold):
                    if releasing, let hold { state.releases.append(hold) }
                }
            }
        }
        // After every emit above, not between them: an emit naming a hold already released is refused.
        host.release(state.releases)
        state.releases.removeAll(keepingCapacity: true)
        state.events.removeAll(keepingCapacity: true)
        if state.arena.isDueForCompaction {
            state.arena.compact(live: state.joins.bytes) { move in
                state.joins.updateRows { $0.offset = move($0.offset, $0.count) }
            }
        }
    }

    /// A kept row's identity in the match ledger, from its key read again
    /// from its document: rows carry no key, so that they copy as plain bytes.
    /// nil cannot happen for a stored row, whose key was read once already.
    private func identity(_ side: Side, _ row: JoinRow<StoredRecord, Hold?>, in arena: RowArena) -> UInt64? {
        arena.withRow(offset: row.row.offset, count: row.row.count) { identity(side, row, in: $0) }
    }

    private func identity(_ side: Side, _ row: JoinRow<StoredRecord, Hold?>, in document: UnsafeRawBufferPointer) -> UInt64? {
        guard case let .row(key, _) = readers[row.input].read(BSONDocument(document)) else { return nil }
        return MatchLedger.identity(side: side, key: key, time: row.time)
    }

    /// Builds the joined document in the reused buffer and emits it with its holds, without an array of either.
    private func emit(left: UnsafeRawBufferPointer?, right: UnsafeRawBufferPointer?, time: Int64, holds first: Hold?, _ second: Hold?,
                      _ document: inout JoinedDocument, _ output: Output)
    {
        let refused = document.withDocument(left: left, right: right) { doc in
            output.emit(doc, eventTime: time, holds: first, second) ? nil : doc.count
        }
        if let refused { host.log(.error, "join: the host refused a joined record (\(refused) bytes)") }
    }
}
