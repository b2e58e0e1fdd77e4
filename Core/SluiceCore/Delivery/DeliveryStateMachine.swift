import CSluicePlugin
import SluiceSDK

/// The rules of delivering one batch through a processor or sink: which
/// records are done, which go to the dead-letter queue, which are retried
/// and when, and when a drain gives up.
///
/// A value type with no I/O: the stage makes an attempt, feeds its status
/// and per-record failures to `attempted`, and carries out the action it
/// gets back. Indices are positions in the batch of the attempt just made.
struct DeliveryStateMachine {
    /// One record sent to the dead-letter queue, with why.
    struct DeadLetter: Equatable {
        /// What kind of failure it was: the `error_class` of its dead-letter entry.
        enum ErrorClass: String, Sendable {
            /// A component refused this record for good, with a reason (a
            /// schema violation, a server's rejection, malformed data).
            case rejected
            /// The whole call failed with a non-retriable status and named no record.
            case failedCall = "failed_call"
            /// Still failing (retriable) when the drain deadline passed.
            case drainTimeout = "drain_timeout"
            /// Still failing (retriable) after `retry.max_attempts` calls.
            case retriesExhausted = "retries_exhausted"
        }

        let index: Int
        let reason: String
        var errorClass: ErrorClass = .rejected
        /// Calls made with the record before it was given up: 0 when it was
        /// given up without one (draining past the deadline).
        var attempts = 1
    }

    enum Action: Equatable {
        /// Nothing is left to retry. `accept` says whether the attempt's
        /// output counts (its status was OK).
        case finished(accept: Bool, deadLetter: [DeadLetter])
        /// Dead-letter what failed for good, then retry `retry` (ascending)
        /// as a new batch after `delayMillis`. `log` marks the attempts worth
        /// a warning (the first, then every tenth).
        case retry(accept: Bool, deadLetter: [DeadLetter], retry: [Int], delayMillis: Int, reason: String, log: Bool)
        /// Draining and past the deadline: every record left, retriable or
        /// not, goes to the dead-letter queue with the reason.
        case giveUp(accept: Bool, deadLetter: [DeadLetter], attempts: Int)
    }

    private let stageName: String
    private var backoff: Backoff
    /// Calls before what still fails is dead-lettered; 0 for no limit.
    private let maxAttempts: Int
    /// Attempts made so far.
    private(set) var attempts = 0
    /// Why the last attempt left records to retry, if it did.
    private(set) var retryReason: String?

    init(stageName: String, backoff: Backoff, maxAttempts: Int = 0) {
        self.stageName = stageName
        self.backoff = backoff
        self.maxAttempts = maxAttempts
    }

    /// Decides before the first attempt on a batch of `count` records: past
    /// the drain deadline, a stage whose last delivery failed (a server that
    /// went away) does not call its component again, since each call could
    /// take the component's own timeout and the drain is bounded for the
    /// whole run. Returns the records' dead letters then; nil to attempt.
    static func skipped(count: Int, lastFailure: String?, now: UInt64, drainDeadline: UInt64?) -> [DeadLetter]? {
        guard let lastFailure, let drainDeadline, now >= drainDeadline else { return nil }
        return (0 ..< count).map {
            DeadLetter(index: $0, reason: "not written before the drain timeout: \(lastFailure)", errorClass: .drainTimeout, attempts: 0)
        }
    }

    /// Decides after one attempt on a batch of `count` records.
    ///
    /// - Parameters:
    ///   - drainDeadline: set once the pipeline is draining: past it
    ///     (`now >= drainDeadline`) retries stop; the next delay never
    ///     sleeps past it.
    mutating func attempted(count: Int, status: sluice_status, failures: [Failure], now: UInt64, drainDeadline: UInt64?) -> Action {
        attempts += 1
        var deadLetter: [DeadLetter] = []
        var retry: [Int] = []
        var retryReason = "\(stageName) asked to retry"
        var failed = Set<Int>()
        for f in failures where f.index >= 0 && f.index < count && failed.insert(f.index).inserted {
            if f.retriable {
                retry.append(f.index)
                retryReason = f.reason
            } else {
                deadLetter.append(DeadLetter(index: f.index, reason: f.reason, attempts: attempts))
            }
        }
        let accept = status == SLUICE_OK
        switch status {
        case SLUICE_OK:
            break
        case SLUICE_RETRIABLE:
            // The whole call failed for now: everything not failed for good goes round again.
            let permanent = Set(deadLetter.map(\.index))
            retry = (0 ..< count).filter { !permanent.contains($0) }
        default:
            for i in 0 ..< count where !failed.contains(i) {
                deadLetter.append(DeadLetter(index: i, reason: "\(stageName) failed with status \(status.rawValue) and gave no reason",
                                             errorClass: .failedCall, attempts: attempts))
            }
        }
        retry.sort()
        if retry.isEmpty { return .finished(accept: accept, deadLetter: deadLetter) }
        self.retryReason = retryReason
        if maxAttempts > 0, attempts >= maxAttempts {
            let left = retry.map {
                DeadLetter(index: $0, reason: "still failing after \(attempts) attempt(s): \(retryReason)", errorClass: .retriesExhausted, attempts: attempts)
            }
            return .finished(accept: accept, deadLetter: deadLetter + left)
        }
        if let drainDeadline, now >= drainDeadline {
            let left = retry.map {
                DeadLetter(index: $0, reason: "not written before the drain timeout: \(retryReason)", errorClass: .drainTimeout, attempts: attempts)
            }
            return .giveUp(accept: accept, deadLetter: deadLetter + left, attempts: attempts)
        }
        let log = backoff.attempt == 0 || backoff.attempt % 10 == 0
        var delay = backoff.nextDelayMillis()
        if let drainDeadline {
            delay = min(delay, Int((drainDeadline - now + 999_999) / 1_000_000))
        }
        return .retry(accept: accept, deadLetter: deadLetter, retry: retry, delayMillis: delay, reason: retryReason, log: log)
    }
}
