import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

/// One vertex of the running graph, on its own thread.
///
/// A stage owns its inbox; upstream stages push into it and block when it is
/// full. It forwards results to every consumer (fan-out shares one buffer)
/// and sends failed records to the dead-letter stage.
class Stage: @unchecked Sendable {
    let name: String
    let metrics: StageMetrics
    let settings: EngineSettings
    let control: EngineControl
    let logger: Logger
    var consumers: [Stage] = []
    /// nil only for the dead-letter stage itself.
    weak var deadLetterStage: Stage?
    let inbox: BoundedQueue<Message>
    /// `.end` messages to wait for before draining.
    var expectedEnds = 0

    init(name: String, role: ComponentRole, settings: EngineSettings, control: EngineControl, logger: Logger) {
        self.name = name
        metrics = StageMetrics(name: name, role: role)
        self.settings = settings
        self.control = control
        var logger = logger
        logger[metadataKey: "stage"] = "\(name)"
        self.logger = logger
        inbox = BoundedQueue(capacity: settings.queueCapacity)
    }

    /// The thread body.
    func run() {}

    /// Sends records to every consumer, each holding the tickets once more.
    func dispatch(_ records: RecordBuffer, tickets: [Ticket]) {
        guard !records.isEmpty else { return }
        metrics.recordsOut.wrappingAdd(records.count, ordering: .relaxed)
        metrics.bytesOut.wrappingAdd(records.byteCount, ordering: .relaxed)
        for consumer in consumers {
            for t in tickets { t.retain() }
            consumer.inbox.push(.batch(Envelope(records: records, tickets: tickets)))
        }
    }

    /// Sends failed records, wrapped with their reasons, to the dead-letter stage.
    func deadLetter(_ source: RecordBuffer, _ failures: [(index: Int, reason: String)], tickets: [Ticket]) {
        guard !failures.isEmpty else { return }
        metrics.deadLettered.wrappingAdd(failures.count, ordering: .relaxed)
        let wrapped = DeadLetter.wrap(source, failures, stage: name)
        guard let dlq = deadLetterStage else {
            logger.critical("\(failures.count) record(s) could not be written even to the dead-letter queue and are lost; first reason: \(failures[0].reason)")
            return
        }
        for t in tickets { t.retain() }
        dlq.inbox.push(.batch(Envelope(records: wrapped, tickets: tickets)))
    }

    /// Tells consumers and the dead-letter stage that this stage is done.
    func finish() {
        for consumer in consumers { consumer.inbox.pushIgnoringCapacity(.end) }
        deadLetterStage?.inbox.pushIgnoringCapacity(.end)
    }

    /// Calls `attempt` until no record of `records` is left to retry.
    ///
    /// `attempt` gets the records still pending and a fresh context and
    /// returns the call's status; its `accept` is called with the context of
    /// every attempt that returned OK. Per-record permanent failures (and
    /// records of a permanently failed call) are dead-lettered; retriable ones
    /// are retried with backoff; while draining, retries stop after the drain
    /// timeout and what is left is dead-lettered with the last reason.
    func deliver(_ records: RecordBuffer, tickets: [Ticket], output: Bool,
                 attempt: (RecordBuffer, CallContext) -> sluice_status, accept: (RecordBuffer, CallContext) -> Void)
    {
        var pending = records
        var backoff = Backoff(initialMillis: settings.initialBackoffMillis, maxMillis: settings.maxBackoffMillis)
        var drainDeadline: UInt64?
        while true {
            let ctx = CallContext(output: output ? RecordBuffer(capacity: pending.count) : nil, input: pending)
            let status = attempt(pending, ctx)
            var permanent: [(index: Int, reason: String)] = []
            var retry: [Int] = []
            var retryReason = "the component asked to retry"
            var failed = Set<Int>()
            for f in ctx.failures where f.index >= 0 && f.index < pending.count {
                failed.insert(f.index)
                if f.retriable {
                    retry.append(f.index)
                    retryReason = f.reason
                } else {
                    permanent.append((f.index, f.reason))
                }
            }
            switch status {
            case SLUICE_OK:
                accept(pending, ctx)
            case SLUICE_RETRIABLE:
                // Everything but what failed permanently goes round again.
                let permanentIndices = Set(permanent.map(\.index))
                retry = (0 ..< pending.count).filter { !permanentIndices.contains($0) }
            default:
                for i in 0 ..< pending.count where !failed.contains(i) {
                    permanent.append((i, "\(name) failed with status \(status.rawValue) and gave no reason"))
                }
            }
            deadLetter(pending, permanent, tickets: tickets)
            if retry.isEmpty { return }
            metrics.retries.wrappingAdd(retry.count, ordering: .relaxed)
            if control.isStopping {
                let now = Clock.monotonicNanos()
                if drainDeadline == nil { drainDeadline = now + UInt64(settings.drainTimeoutMillis) * 1_000_000 }
                if now >= drainDeadline! {
                    logger.error("draining: giving up on \(retry.count) record(s) after \(backoff.attempt + 1) attempts; dead-lettering them")
                    deadLetter(pending, retry.map { ($0, "not written before the drain timeout: \(retryReason)") }, tickets: tickets)
                    return
                }
            }
            let next = RecordBuffer(capacity: retry.count)
            for i in retry.sorted() { next.append(from: pending, at: i) }
            pending = next
            if backoff.attempt == 0 || backoff.attempt % 10 == 0 {
                logger.warning("retrying \(retry.count) record(s) with backoff (attempt \(backoff.attempt + 1)): \(retryReason)")
            }
            backoff.sleep()
        }
    }
}
