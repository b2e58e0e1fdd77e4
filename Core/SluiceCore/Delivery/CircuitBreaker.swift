/// A component's circuit breaker: after `failures` consecutive failed calls
/// it opens, and the stage makes no call for `coolDownNanos`, reporting not
/// ready; the first call after that is a probe, which closes it on success
/// and opens it again on failure. It spans batches, where the backoff of
/// `DeliveryStateMachine` starts again with each batch.
///
/// A value type with no I/O; the stage feeds it each call's outcome.
struct CircuitBreaker: Equatable {
    enum State: Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: UInt64)
        /// The cool-down is over; the next call decides.
        case halfOpen
    }

    private(set) var state = State.closed(consecutiveFailures: 0)
    let failures: Int
    let coolDownNanos: UInt64

    /// `failures` 0 never opens.
    init(failures: Int, coolDownMillis: Int) {
        self.failures = failures
        coolDownNanos = UInt64(max(coolDownMillis, 0)) * 1_000_000
    }

    /// Until when the stage must not call, or nil to call now.
    mutating func blockedUntil(now: UInt64) -> UInt64? {
        guard case let .open(until) = state else { return nil }
        if now >= until {
            state = .halfOpen
            return nil
        }
        return until
    }

    /// Records a call's outcome. Returns true when this call opened the breaker.
    mutating func record(success: Bool, now: UInt64) -> Bool {
        if success {
            state = .closed(consecutiveFailures: 0)
            return false
        }
        switch state {
        case .halfOpen:
            state = .open(until: now + coolDownNanos)
            return true
        case let .closed(n):
            guard failures > 0, n + 1 >= failures else {
                state = .closed(consecutiveFailures: n + 1)
                return false
            }
            state = .open(until: now + coolDownNanos)
            return true
        case .open:
            return false
        }
    }
}
