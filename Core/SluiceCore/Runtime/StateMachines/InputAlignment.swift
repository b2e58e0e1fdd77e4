/// Which input port a stage with several takes its next message from: the
/// batch earliest in event time, as Kafka Streams picks the partition whose
/// head record has the lowest timestamp, and for a short while none from
/// an input that is ahead of an empty one, as Flink's watermark alignment
/// pauses a source that runs ahead.
///
/// A processor that keeps event-time state over its inputs (a join) moves
/// its watermark with the slowest input. Taken in arrival order, an input
/// whose source reads faster runs ahead in event time, and its rows pile
/// up in state until the other input catches up (two file sources: tens of
/// thousands of rows where the window holds about a thousand).
///
/// Holding back is bounded in time (`maxHoldNanos`, the engine's batch
/// `max_wait_ms`: an input with records sends a batch at least that often),
/// so it cannot stall an input behind one that went quiet: once the hold
/// expires, the input that is ahead flows until the empty one sends again.
/// Nor behind one that trickles: a batch is held at most that long in all,
/// however often the input behind sends in between.
/// The engine turns it off (0) when one component feeds two of the ports
/// (`PipelinePlan.inputsShareAnUpstream`): blocked on the full port held
/// back, it could not send to the other, and every hold would run out.
/// Ports whose batches carry no event time are taken in arrival order, as
/// one queue would.
struct InputAlignment {
    /// What waits at the head of one port's queue.
    struct Head: Equatable {
        enum Kind: Equatable {
            /// Records, with the earliest and latest event time among them (nil when none has one).
            case batch(earliest: Int64?, latest: Int64?)
            /// The end of one edge into the port.
            case end
            case revocation
        }

        let kind: Kind
        /// The order of arrival over all ports.
        let sequence: UInt64
    }

    enum Decision: Equatable {
        case take(port: Int)
        /// Something waits, but only on inputs ahead of an empty one: wait
        /// for a push, or until the monotonic time `until`, then ask again.
        case hold(until: UInt64)
        case empty
    }

    /// How far one port has come in event time.
    enum Frontier: Equatable {
        /// Nothing taken yet: the port may be about to start behind the others.
        case notStarted
        /// The latest event time taken from it.
        case at(Int64)
        /// Its batches carry no event time: it is never waited for.
        case untimed
    }

    private var frontiers: [Frontier]
    /// Per port, edges that have not ended.
    private var openEdges: [Int]
    /// When the current hold began; kept once it expired, so the input
    /// ahead flows without another hold until the empty one sends again.
    private var holdingSince: UInt64?
    /// The batch the current hold began for, so that batches taken from the
    /// input behind meanwhile do not start its hold over.
    private var heldSequence: UInt64?
    let maxHoldNanos: UInt64

    init(ports: Int, maxHoldNanos: UInt64) {
        frontiers = Array(repeating: .notStarted, count: ports)
        openEdges = Array(repeating: 0, count: ports)
        self.maxHoldNanos = maxHoldNanos
    }

    /// One more edge feeds `port` (the engine wires them before the run).
    mutating func addEdge(port: Int) { openEdges[port] += 1 }

    /// What to do next, given each port's head (nil: empty) at monotonic time `now`.
    /// Control messages go first (each is behind its own port's batches
    /// already), then the batch earliest in event time when every waiting
    /// batch has one (else the first to arrive), unless it is ahead of an
    /// open, empty port's frontier (or that port has sent nothing yet) and
    /// the hold has not expired.
    mutating func next(_ heads: [Head?], now: UInt64) -> Decision {
        var firstControl: Int?, firstArrived: Int?, earliest: Int?
        var earliestTime = Int64.max
        var allTimed = true
        for case let (port, head?) in heads.enumerated() {
            guard case let .batch(time, _) = head.kind else {
                if firstControl.map({ head.sequence < heads[$0]!.sequence }) ?? true { firstControl = port }
                continue
            }
            if firstArrived.map({ head.sequence < heads[$0]!.sequence }) ?? true { firstArrived = port }
            guard let time else { allTimed = false; continue }
            if time < earliestTime || (time == earliestTime && head.sequence < heads[earliest!]!.sequence) {
                earliest = port
                earliestTime = time
            }
        }
        if let firstControl { return .take(port: firstControl) }
        guard let firstArrived else { return .empty }
        guard allTimed, let earliest else { holdingSince = nil; return .take(port: firstArrived) }
        let behind = heads.indices.contains { q in
            guard heads[q] == nil, openEdges[q] > 0 else { return false }
            switch frontiers[q] {
            case .notStarted: return true
            case let .at(time): return time < earliestTime
            case .untimed: return false
            }
        }
        guard behind else {
            if !heads.contains(where: { $0 != nil && $0!.sequence == heldSequence }) { holdingSince = nil }
            return .take(port: earliest)
        }
        guard maxHoldNanos > 0 else { return .take(port: earliest) }
        guard let since = holdingSince else {
            holdingSince = now
            heldSequence = heads[earliest]!.sequence
            return .hold(until: now &+ maxHoldNanos)
        }
        let until = since &+ maxHoldNanos
        return now >= until ? .take(port: earliest) : .hold(until: until)
    }

    /// The head of `port` was taken.
    mutating func took(_ head: Head, port: Int) {
        switch head.kind {
        case let .batch(_, latest?):
            if case let .at(time) = frontiers[port], time >= latest { break }
            if frontiers[port] != .untimed { frontiers[port] = .at(latest) }
        case .batch: frontiers[port] = .untimed
        case .revocation: break
        case .end: openEdges[port] = max(0, openEdges[port] - 1)
        }
    }
}
