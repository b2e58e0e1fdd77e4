import Foundation

/// Where completed source batches wait for their source's thread, which
/// alone may call the component's `ack`. A completion or "downstream done"
/// wakes a waiting source at once, so acks never wait on a polling sleep.
///
/// `@unchecked Sendable`: every field is read and written under `condition`.
final class AckMailbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var completed: [[UInt64]] = []
    /// How many batches finished (their last tokens posted) since the last `take`.
    private var finished = 0
    private var downstreamDone = false

    /// Called from the thread that completed a batch or a held record of it;
    /// `final` when nothing of the batch is left unacked.
    func post(_ tokens: [UInt64], final: Bool) {
        condition.lock()
        if !tokens.isEmpty { completed.append(tokens) }
        if final { finished += 1 }
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

    /// Takes every token list posted so far, how many batches finished, and whether downstream is done.
    func take() -> (tokens: [[UInt64]], finished: Int, downstreamDone: Bool) {
        condition.lock()
        defer { condition.unlock() }
        let tokens = completed
        let finished = finished
        completed.removeAll()
        self.finished = 0
        return (tokens, finished, downstreamDone)
    }

    /// Waits up to `millis` for a completion, downstream done, or `interrupted` (checked every 50 ms).
    func wait(millis: Int, interrupted: () -> Bool = { false }) {
        let deadline = Date(timeIntervalSinceNow: Double(millis) / 1000)
        condition.lock()
        defer { condition.unlock() }
        while completed.isEmpty, finished == 0, !downstreamDone, !interrupted() {
            let slice = min(deadline, Date(timeIntervalSinceNow: 0.05))
            if !condition.wait(until: slice), Date() >= deadline { return }
        }
    }
}
