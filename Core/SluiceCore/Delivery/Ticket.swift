import Synchronization

/// Tracks one source batch through the graph for at-least-once delivery.
///
/// Every envelope that carries records derived from the batch holds one
/// reference. A stage retains the ticket for each envelope it dispatches
/// before releasing the one it consumed, so the count reaches zero exactly
/// when the last sink (or the dead-letter queue) has written the last derived
/// record. Then the source is told to ack the batch's tokens.
///
/// A record a processor holds (ABI 1.1) is pinned on its own: its hold is a
/// child ticket, and its token is acked when that child completes, apart
/// from the batch. Acks are then per record, as commits are: a Kafka offset
/// is committed once its own record is done, not when the last record that
/// happened to share its batch is, and never while its record is still held.
/// A join relies on this: a row replayed after a crash must be one still in
/// the window, never one already joined and released, which would come back
/// without its partner.
public final class Ticket: Sendable {
    struct Pins {
        /// Held tokens of the batch, with how many holds each.
        var live: [UInt64: Int] = [:]
        /// The batch's own count reached zero: pinned tokens are acked as their pins end.
        var batchDone = false
        /// The batch's tokens, as a set, built on the first pin.
        var members: Set<UInt64>?
    }

    let tokens: [UInt64]
    private let references = Atomic<Int>(1)
    private let pins = Mutex(Pins())
    /// A batch: acks tokens; `final` on the last call for the batch.
    private let ack: (@Sendable (_ tokens: [UInt64], _ final: Bool) -> Void)?
    /// A pin: the batch and the held record's token.
    private let pinned: (batch: Ticket, token: UInt64)?

    /// A source batch's ticket; `ack` is called once when the batch completes,
    /// or, with held records, once for the rest and once per held record.
    init(tokens: [UInt64], ack: @escaping @Sendable (_ tokens: [UInt64], _ final: Bool) -> Void) {
        self.tokens = tokens
        self.ack = ack
        pinned = nil
    }

    private init(pinning token: UInt64, of batch: Ticket) {
        tokens = []
        ack = nil
        pinned = (batch, token)
    }

    /// A child ticket that keeps `token` of this batch unacked until it completes;
    /// nil when the token is not this batch's or the batch already completed.
    func pin(_ token: UInt64) -> Ticket? {
        guard ack != nil else { return nil }
        let taken = pins.withLock { p -> Bool in
            guard !p.batchDone else { return false }
            if p.members == nil { p.members = Set(tokens) }
            guard p.members!.contains(token) else { return false }
            p.live[token, default: 0] += 1
            return true
        }
        return taken ? Ticket(pinning: token, of: self) : nil
    }

    func retain(_ n: Int = 1) {
        references.wrappingAdd(n, ordering: .relaxed)
    }

    func release() {
        let left = references.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue
        precondition(left >= 0, "ticket released more often than retained")
        guard left == 0 else { return }
        if let (batch, token) = pinned {
            batch.unpin(token)
        } else {
            complete()
        }
    }

    private func complete() {
        let (ready, final) = pins.withLock { p -> ([UInt64], Bool) in
            p.batchDone = true
            return (p.live.isEmpty ? tokens : tokens.filter { p.live[$0] == nil }, p.live.isEmpty)
        }
        if final || !ready.isEmpty { ack?(ready, final) }
    }

    private func unpin(_ token: UInt64) {
        let (ready, final) = pins.withLock { p -> (Bool, Bool) in
            let left = p.live[token]! - 1
            p.live[token] = left == 0 ? nil : left
            return (p.batchDone && left == 0, p.batchDone && p.live.isEmpty)
        }
        if ready { ack?([token], final) }
    }
}
