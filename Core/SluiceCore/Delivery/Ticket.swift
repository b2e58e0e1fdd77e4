import Synchronization

/// Tracks one source batch through the graph for at-least-once delivery.
///
/// Every envelope that carries records derived from the batch holds one
/// reference. A stage retains the ticket for each envelope it dispatches
/// before releasing the one it consumed, so the count reaches zero exactly
/// when the last sink (or the dead-letter queue) has written the last derived
/// record. Then the source is told to ack the batch's tokens.
///
/// A record a processor holds (ABI 1.1) is pinned on its own, and its token
/// is acked when its last pin ends, apart from the batch. Acks are then per
/// record, as commits are: a Kafka offset is committed once its own record
/// is done, not when the last record that happened to share its batch is,
/// and never while its record is still held. A join relies on this: a row
/// replayed after a crash must be one still in the window, never one already
/// joined and released, which would come back without its partner.
///
/// A pin is a count at the token's position in the batch, not an object of
/// its own: a join pins every record it stores. The hold is one pin, and
/// each output that lists the hold another, ended when that output is
/// written; the pins one call's output carries travel as one pin group
/// ticket (`init(pins:)`), which ends them all when it completes.
public final class Ticket: Sendable {
    /// A pinned token: its batch and its position among the batch's tokens.
    struct Pin {
        let batch: Ticket
        let position: Int
    }

    let tokens: [UInt64]
    private let references = Atomic<Int>(1)
    private let pins = Mutex(PinCounts())
    /// A batch: acks tokens; `final` on the last call for the batch.
    private let ack: (@Sendable (_ tokens: [UInt64], _ final: Bool) -> Void)?
    /// A pin group: the pins it ends when it completes.
    private let group: [Pin]

    /// A source batch's ticket; `ack` is called once when the batch completes,
    /// or, with held records, once for the rest and once per set of pins ending together.
    init(tokens: [UInt64], ack: @escaping @Sendable (_ tokens: [UInt64], _ final: Bool) -> Void) {
        self.tokens = tokens
        self.ack = ack
        group = []
    }

    /// A ticket that owns one more pin on each of `pins` (taken by the
    /// caller) and ends them when it completes.
    init(pins: [Pin]) {
        precondition(!pins.isEmpty, "a pin group without pins")
        tokens = []
        ack = nil
        group = pins
    }

    /// Pins `token` of this batch and returns its position (`hint` when the
    /// token is there, as for a batch that reaches a processor whole); nil
    /// when the token is not this batch's or the batch already completed.
    func pin(_ token: UInt64, hint: Int) -> Int? {
        guard ack != nil else { return nil }
        return pins.withLock { p -> Int? in
            guard !p.batchDone else { return nil }
            if p.counts.isEmpty { p.start(tokens) }
            guard let position = p.position(of: token, hint: hint, in: tokens) else { return nil }
            p.add(position)
            return position
        }
    }

    /// One more pin on `position`, which a live pin keeps pinned.
    func repin(_ position: Int) {
        pins.withLock { p in
            precondition(p.counts[position] > 0, "repin of a position not pinned")
            p.add(position)
        }
    }

    /// Ends one pin on `position`.
    func unpin(_ position: Int) {
        let (ready, final) = pins.withLock { p -> (Bool, Bool) in
            let ready = p.remove(position) && p.batchDone
            return (ready, ready && p.held == 0)
        }
        if ready { ack?([tokens[position]], final) }
    }

    /// Ends each pin of `list`: one lock and at most one ack per batch.
    /// Grouped by batch, not by runs: a join's pairs alternate between the
    /// two sides' batches, and runs made one ack, with its wake-up of the
    /// source, per joined record.
    static func unpin(_ list: [Pin]) {
        var grouped = DeferredUnpins()
        for pin in list { grouped.add(pin) }
        grouped.unpin()
    }

    /// Ends one pin on each of `positions` (repeats end several): one lock, at most one ack.
    func unpin<Positions: Sequence<Int>>(positions: Positions) {
        let (ready, final) = pins.withLock { p -> ([UInt64], Bool) in
            guard p.batchDone else {
                for position in positions { _ = p.remove(position) }
                return ([], false)
            }
            var ready: [UInt64] = []
            for position in positions where p.remove(position) { ready.append(tokens[position]) }
            return (ready, p.held == 0)
        }
        if !ready.isEmpty { ack?(ready, final) }
    }

    func retain(_ n: Int = 1) {
        references.wrappingAdd(n, ordering: .relaxed)
    }

    func release() {
        let left = references.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue
        precondition(left >= 0, "ticket released more often than retained")
        guard left == 0 else { return }
        if group.isEmpty {
            complete()
        } else {
            Self.unpin(group)
        }
    }

    private func complete() {
        let (ready, final) = pins.withLock { p -> ([UInt64], Bool) in
            p.batchDone = true
            guard p.held > 0 else { return (tokens, true) }
            return (tokens.indices.filter { p.counts[p.first(of: $0, in: tokens)] == 0 }.map { tokens[$0] }, false)
        }
        if final || !ready.isEmpty { ack?(ready, final) }
    }
}
