import Synchronization

/// A sink's writes still in flight (ABI 1.4): records it held inside
/// `write` and reports later, as written (`release`) or failed
/// (`release_failed`), as a Kafka producer does when its delivery reports
/// come back.
///
/// Each `write` call is one attempt. The sink stage parks an attempt that
/// left holds and goes on with the next batch; the attempt is complete once
/// its write has returned and every hold it took has ended. Hold handles
/// carry `tag`, so `release` tells them from a processor's holds
/// (`HoldTable`), whose handles count up from 1.
final class InFlightWrites: Sendable {
    static let tag: UInt = 1 << (UInt.bitWidth - 1)

    private struct Attempt {
        var open = 0
        var failures: [Failure] = []
    }

    private struct State {
        var nextAttempt = 1
        var nextHold: UInt = 1
        var holds: [UInt: (attempt: Int, index: Int)] = [:]
        /// Attempts whose holds are tracked; an abandoned one is absent.
        var attempts: [Int: Attempt] = [:]
    }

    private let state = Mutex(State())

    /// A new attempt, before its write is called.
    func begin() -> Int {
        state.withLock { s in
            let id = s.nextAttempt
            s.nextAttempt += 1
            s.attempts[id] = Attempt()
            return id
        }
    }

    /// Holds record `index` of `attempt`'s batch; returns the handle.
    func hold(attempt: Int, index: Int) -> UInt {
        state.withLock { s in
            let handle = Self.tag | s.nextHold
            s.nextHold += 1
            s.holds[handle] = (attempt, index)
            s.attempts[attempt]?.open += 1
            return handle
        }
    }

    /// Ends a hold: the record was written (`failure` nil) or not. False if
    /// `handle` is not a live hold.
    func end(_ handle: UInt, failure: (retriable: Bool, reason: String)? = nil) -> Bool {
        state.withLock { s in
            guard let (attempt, index) = s.holds.removeValue(forKey: handle) else { return false }
            s.attempts[attempt]?.open -= 1
            if let failure { s.attempts[attempt]?.failures.append(Failure(index: index, retriable: failure.retriable, reason: failure.reason)) }
            return true
        }
    }

    /// Whether `attempt` took any hold that is still open.
    func isOpen(_ attempt: Int) -> Bool {
        state.withLock { ($0.attempts[attempt]?.open ?? 0) > 0 }
    }

    /// Once every hold of `attempt` has ended (its write returned earlier):
    /// the failures they reported, and the attempt is forgotten; nil while
    /// some are open.
    func result(of attempt: Int) -> [Failure]? {
        state.withLock { s in
            guard let a = s.attempts[attempt], a.open == 0 else { return nil }
            s.attempts[attempt] = nil
            return a.failures
        }
    }

    /// The attempt's write did not return OK, so the whole batch is written
    /// again: its holds may still be ended, but their outcome is ignored.
    func abandon(_ attempt: Int) {
        state.withLock { _ = $0.attempts.removeValue(forKey: attempt) }
    }

    /// Holds not ended yet, over all attempts.
    var openHolds: Int { state.withLock { $0.holds.count } }
}
