import NIOCore

/// When a connection's current request (or its idle wait) times out.
///
/// Re-arming it for every request schedules nothing: one check stays
/// scheduled, and when it fires before the deadline (the connection was
/// re-armed since) it is scheduled again for the new one. Scheduling and
/// cancelling a task for every request was about 4% of the event loop's
/// time under load. Deadlines only move later (now plus a fixed timeout), so
/// a scheduled check is never late for a newer deadline.
///
/// A value type without I/O: the handler schedules the checks it is told to.
struct RequestDeadline: Equatable {
    enum Check: Equatable {
        /// The deadline passed: the request (or the idle connection) timed out.
        case expired
        /// Re-armed since the check was scheduled: check again then.
        case again(NIODeadline)
        /// Nothing is timed (a request is waiting for its answer).
        case disarmed
    }

    private(set) var deadline: NIODeadline?
    /// Whether a check is scheduled.
    private(set) var scheduled = false

    /// Starts the clock; returns when to schedule a check, or nil when one already is.
    mutating func arm(until deadline: NIODeadline) -> NIODeadline? {
        self.deadline = deadline
        guard !scheduled else { return nil }
        scheduled = true
        return deadline
    }

    /// Stops the clock; a scheduled check then finds nothing to time.
    mutating func disarm() {
        deadline = nil
    }

    /// A scheduled check ran at `now`.
    mutating func check(now: NIODeadline) -> Check {
        guard let deadline else {
            scheduled = false
            return .disarmed
        }
        guard now >= deadline else { return .again(deadline) }
        self.deadline = nil
        scheduled = false
        return .expired
    }
}
