import Synchronization

/// A sink's writes still in flight (ABI 1.4): records it held inside
/// `write` and reports later, as written (`release`) or failed
/// (`release_failed`), as a Kafka producer does when its delivery reports
/// come back.
///
/// Each `write` call is one attempt. The sink stage parks an attempt that
/// left holds and goes on with the next batch; the attempt is complete once
/// its write has returned and every hold it took has ended. A handle is
/// `tag | attempt << 24 | index`, so ending one needs no table of handles,
/// and `tag` tells it from a processor's hold (`HoldTable`), whose handles
/// count up from 1.
final class InFlightWrites: Sendable {
    static let tag: UInt = 1 << (UInt.bitWidth - 1)
    private static let indexBits = 24

    /// Whether `handle` is one of these (a sink's), not a processor's `HoldTable` handle.
    static func owns(_ handle: UInt) -> Bool { handle & tag != 0 }

    private struct Attempt {
        /// Open holds per record index.
        var holds: [UInt8] = []
        var open = 0
        var failures: [Failure] = []
        /// Its write did not return OK: holds still end, their outcome is ignored.
        var abandoned = false
    }

    private struct State {
        var nextAttempt = 1
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

    /// Holds record `index` of `attempt`'s batch; returns the handle, or
    /// nil when the batch is too large to name its records in a handle.
    func hold(attempt: Int, index: Int) -> UInt? {
        guard index < 1 << Self.indexBits else { return nil }
        return state.withLock { s in
            guard var a = s.attempts.removeValue(forKey: attempt) else { return nil }
            if a.holds.count <= index { a.holds += repeatElement(0, count: index + 1 - a.holds.count) }
            a.holds[index] &+= 1
            a.open += 1
            s.attempts[attempt] = a
            return Self.tag | UInt(attempt) << Self.indexBits | UInt(index)
        }
    }

    /// Ends a hold: the record was written (`failure` nil) or not. False if
    /// `handle` is not a live hold.
    func end(_ handle: UInt, failure: (retriable: Bool, reason: String)? = nil) -> Bool {
        let attempt = Int((handle & ~Self.tag) >> Self.indexBits)
        let index = Int(handle & (1 << Self.indexBits - 1))
        return state.withLock { s in
            guard var a = s.attempts.removeValue(forKey: attempt) else { return false }
            defer { if !(a.abandoned && a.open == 0) { s.attempts[attempt] = a } }
            guard index < a.holds.count, a.holds[index] > 0 else { return false }
            a.holds[index] -= 1
            a.open -= 1
            if let failure, !a.abandoned { a.failures.append(Failure(index: index, retriable: failure.retriable, reason: failure.reason)) }
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
            guard let a = s.attempts[attempt], a.open == 0, !a.abandoned else { return nil }
            s.attempts[attempt] = nil
            return a.failures
        }
    }

    /// The attempt's write did not return OK, so the whole batch is written
    /// again: its holds may still be ended, but their outcome is ignored.
    func abandon(_ attempt: Int) {
        state.withLock { s in
            guard s.attempts[attempt] != nil else { return }
            if s.attempts[attempt]!.open == 0 {
                s.attempts[attempt] = nil
            } else {
                s.attempts[attempt]!.abandoned = true
                s.attempts[attempt]!.failures = []
            }
        }
    }

    /// Holds not ended yet, over all attempts.
    var openHolds: Int { state.withLock { $0.attempts.values.reduce(0) { $0 + $1.open } } }
}
