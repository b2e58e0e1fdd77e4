import CSluicePlugin
import SluiceSDK

/// The rules of one source stage: collecting polls into batches (by size and
/// time), backing off, ending, and waiting for the acks of what it sent
/// before it may exit.
///
/// A value type with no I/O: the stage reports what happened (a budget
/// grant, a poll's result, a dispatch, acks, downstream done) and carries
/// out the action it gets back. Times are monotonic nanoseconds.
struct SourceStateMachine {
    enum Action: Equatable {
        /// Poll for up to `maxRecords` more records, for up to `timeoutMillis`.
        case poll(maxRecords: Int, timeoutMillis: Int)
        /// The poll returned at once with nothing: wait up to `millis` (acks
        /// wake the wait), then poll again.
        case pause(millis: Int, thenPoll: Int, timeoutMillis: Int)
        /// Send the collected batch on, then ask for the next grant.
        case dispatch
        /// Send the collected batch on (if any), then sleep `millis` before the next grant.
        case dispatchAndBackOff(millis: Int)
        /// No more polls: send the collected batch on (if any), tell
        /// consumers the stream ended, then wait for acks.
        case dispatchAndEnd
        /// Wait for acks (or downstream done); the stage may not exit yet.
        case awaitAcks
        /// Every dispatched batch is acked (or nobody downstream is left to ack it): exit.
        case exit
    }

    enum State: Equatable {
        /// Between batches.
        case idle
        /// Filling a batch of `granted` records until `deadline`.
        case collecting(granted: Int, collected: Int, deadline: UInt64)
        /// No more polls; waiting for the acks of dispatched batches.
        case ending
        case exited
    }

    private(set) var state: State = .idle
    /// Batches dispatched and not yet acked.
    private(set) var outstanding = 0
    private var backoff: Backoff
    private let maxWaitMillis: Int
    /// A poll that returns empty in less than this is "at once": the stage pauses instead of spinning.
    static let spinThresholdNanos: UInt64 = 1_000_000
    static let pauseMillis = 1

    init(batch: BatchSettings, backoff: Backoff) {
        maxWaitMillis = batch.maxWaitMillis
        self.backoff = backoff
    }

    /// A new batch may start: `granted` records of budget (0: the run's
    /// `--max-records` is used up), `stopping` once the pipeline drains.
    mutating func begin(granted: Int, now: UInt64, stopping: Bool) -> Action {
        precondition(state == .idle, "begin outside idle: \(state)")
        if granted == 0 || stopping {
            state = .ending
            return .dispatchAndEnd
        }
        state = .collecting(granted: granted, collected: 0, deadline: now + UInt64(maxWaitMillis) * 1_000_000)
        return .poll(maxRecords: granted, timeoutMillis: maxWaitMillis)
    }

    /// A poll returned `status` having added `emitted` records, after `elapsed`
    /// ns; `revoked` when the source gave up splits during it (ABI 1.3): the
    /// batch goes at once, so processors hear of the revocation before the
    /// new assignment's records.
    mutating func polled(status: sluice_status, emitted: Int, elapsed: UInt64, now: UInt64, stopping: Bool,
                         revoked: Bool = false) -> Action
    {
        guard case let .collecting(granted, before, deadline) = state else {
            preconditionFailure("poll result outside collecting: \(state)")
        }
        let collected = before + emitted
        switch status {
        case SLUICE_OK:
            backoff.reset()
        case SLUICE_RETRIABLE:
            state = .idle
            return .dispatchAndBackOff(millis: backoff.nextDelayMillis())
        default:
            // SLUICE_END, or a permanent failure (the stage logs it): no more polls.
            state = .ending
            return .dispatchAndEnd
        }
        if stopping {
            state = .ending
            return .dispatchAndEnd
        }
        if collected >= granted || now >= deadline || revoked {
            state = .idle
            return .dispatch
        }
        state = .collecting(granted: granted, collected: collected, deadline: deadline)
        let remaining = Int((deadline - now) / 1_000_000)
        if emitted == 0, elapsed < Self.spinThresholdNanos {
            return .pause(millis: min(Self.pauseMillis, remaining), thenPoll: granted - collected, timeoutMillis: remaining)
        }
        return .poll(maxRecords: granted - collected, timeoutMillis: remaining)
    }

    /// The stage dispatched a non-empty batch (its ticket is now outstanding).
    mutating func dispatched() {
        outstanding += 1
    }

    /// `count` batches were acked to the component.
    mutating func acked(_ count: Int) {
        precondition(count <= outstanding, "more acks than batches")
        outstanding -= count
    }

    /// After `dispatchAndEnd`, and whenever the stage wakes while ending.
    mutating func settle(downstreamDone: Bool) -> Action {
        precondition(state == .ending || state == .exited, "settle before the end: \(state)")
        // Downstream done with batches still unacked: they hold records in
        // state (held deliveries) or were lost to a crash of no stage; either
        // way nothing more will come, and not acking them is what replays them.
        if outstanding == 0 || downstreamDone {
            state = .exited
            return .exit
        }
        return .awaitAcks
    }
}
