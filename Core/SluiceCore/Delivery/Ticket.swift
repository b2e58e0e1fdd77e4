import Synchronization

/// Tracks one source batch through the graph for at-least-once delivery.
///
/// Every envelope that carries records derived from the batch holds one
/// reference. A stage retains the ticket for each envelope it dispatches
/// before releasing the one it consumed, so the count reaches zero exactly
/// when the last sink (or the dead-letter queue) has written the last derived
/// record. Then the source is told to ack the batch's tokens.
public final class Ticket: Sendable {
    let tokens: [UInt64]
    private let references = Atomic<Int>(1)
    private let onComplete: @Sendable (Ticket) -> Void

    init(tokens: [UInt64], onComplete: @escaping @Sendable (Ticket) -> Void) {
        self.tokens = tokens
        self.onComplete = onComplete
    }

    func retain(_ n: Int = 1) {
        references.wrappingAdd(n, ordering: .relaxed)
    }

    func release() {
        let left = references.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue
        precondition(left >= 0, "ticket released more often than retained")
        if left == 0 { onComplete(self) }
    }
}
