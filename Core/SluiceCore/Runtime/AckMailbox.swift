import Foundation

/// Where completed source batches wait for their source's thread, which
/// alone may call the component's `ack`. A completion or "downstream done"
/// wakes a waiting source at once, so acks never wait on a polling sleep.
///
/// `@unchecked Sendable`: every field is read and written under `condition`.
final class AckMailbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var completed: [[UInt64]] = []
    private var downstreamDone = false

    /// Called from the thread that released a batch's last ticket.
    func post(_ tokens: [UInt64]) {
        condition.lock()
        completed.append(tokens)
        condition.signal()
        condition.unlock()
    }

    /// No stage downstream is running any more: no more completions will come.
    func markDownstreamDone() {
        condition.lock()
        downstreamDone = true
        condition.signal()
        condition.unlock()
    }

    /// Takes every completion posted so far, and whether downstream is done.
    func take() -> (batches: [[UInt64]], downstreamDone: Bool) {
        condition.lock()
        defer { condition.unlock() }
        let batches = completed
        completed.removeAll()
        return (batches, downstreamDone)
    }

    /// Waits up to `millis` for a completion, downstream done, or `interrupted` (checked every 50 ms).
    func wait(millis: Int, interrupted: () -> Bool = { false }) {
        let deadline = Date(timeIntervalSinceNow: Double(millis) / 1000)
        condition.lock()
        defer { condition.unlock() }
        while completed.isEmpty, !downstreamDone, !interrupted() {
            let slice = min(deadline, Date(timeIntervalSinceNow: 0.05))
            if !condition.wait(until: slice), Date() >= deadline { return }
        }
    }
}
