import CSluicePlugin
import Foundation
import Logging
import SluiceSDK
import Synchronization

/// One wire of the running graph: a consumer component and the input port
/// the records arrive on there.
struct Edge {
    let consumer: WorkerGroup
    let port: Int
    let records: EdgeCounter
}

/// One vertex of the running graph, on its own thread: a component, or one
/// worker of a component with `workers: N` (see `WorkerGroup`).
///
/// A stage owns its inbox; upstream stages push into it and block when it is
/// full. It forwards each output to the edges wired to it (fan-out shares one
/// buffer) and sends failed records to the dead-letter stage.
///
/// `@unchecked Sendable`: the wiring (`routes`, `deadLetterGroup`, `group`,
/// `worker`, `inboundEdges`) is written by the engine before any stage thread starts
/// (thread start is the barrier) and only read afterwards; everything the
/// threads share at run time is the inbox (locked), the metrics and `condition` (atomics).
class Stage: @unchecked Sendable {
    let name: String
    let metrics: StageMetrics
    /// A `ComponentCondition`, for `/ready` and `/api/topology`.
    private let conditionValue = Atomic<UInt8>(ComponentCondition.starting.rawValue)
    /// One log line per batch with record errors at most, then a trickle.
    private let recordErrorLog = Mutex(LogRateLimiter(burst: 10, perSecond: 1))
    let settings: EngineSettings
    let control: EngineControl
    let logger: Logger
    /// Per output index (0 the default), the edges that read it.
    var routes: [[Edge]] = [[]]
    /// nil only for the dead-letter stage itself.
    weak var deadLetterGroup: WorkerGroup?
    /// The component this stage is a worker of.
    weak var group: WorkerGroup?
    /// Its index among the component's workers.
    var worker = 0
    /// A queue per input port for a processor with several (`PortedQueue`), else one.
    let inbox: any Inbox
    /// Ends this stage waits for: one per worker of each producer wired to
    /// it, and for the dead-letter stage one per worker that can dead-letter.
    var inboundEdges = 0
    /// Why the last delivery did not finish cleanly (it retried or gave up);
    /// nil after one that did. Touched only by the stage's own thread.
    private var lastFailure: String?
    /// The component's `retry:` settings; set by the engine before the thread starts.
    private(set) var retry = RetrySettings()
    /// Touched only by the thread that delivers.
    private var breaker = CircuitBreaker(failures: 0, coolDownMillis: 0)

    /// - Parameters:
    ///   - worker: its index among the component's workers when it has several (log metadata).
    ///   - alignedPorts: input ports whose batches are taken in event-time order (a processor's; see `PortedQueue`).
    ///   - maxHoldMillis: with several, how long an input ahead in event time may wait for an empty one.
    init(name: String, metrics: StageMetrics, settings: EngineSettings, control: EngineControl, logger: Logger, worker: Int? = nil,
         alignedPorts: Int = 1, maxHoldMillis: Int = 0)
    {
        self.name = name
        self.metrics = metrics
        self.settings = settings
        self.control = control
        var logger = logger
        logger[metadataKey: "component"] = "\(name)"
        if let worker { logger[metadataKey: "worker"] = "\(worker)" }
        self.logger = logger
        inbox = alignedPorts > 1 ? PortedQueue(ports: alignedPorts, capacity: settings.queueCapacity, maxHoldMillis: maxHoldMillis)
            : BoundedQueue<Message>(capacity: settings.queueCapacity)
    }

    /// The thread body.
    func run() {}

    /// Applies the component's `retry:` settings (engine defaults filled in).
    func configure(retry: RetrySettings) {
        self.retry = retry
        breaker = CircuitBreaker(failures: retry.breakerFailures,
                                 coolDownMillis: retry.breakerCoolDownMillis ?? retry.maxBackoffMillis ?? settings.maxBackoffMillis)
    }

    var condition: ComponentCondition {
        get { ComponentCondition(rawValue: conditionValue.load(ordering: .relaxed)) ?? .running }
        set { conditionValue.store(newValue.rawValue, ordering: .relaxed) }
    }

    /// Sends records to every edge of `output`, each holding the tickets once more.
    func dispatch(_ records: RecordBuffer, tickets: [Ticket], output: Int = 0) {
        guard !records.isEmpty else { return }
        metrics.sent(records.count, bytes: records.byteCount)
        for edge in routes[output] {
            edge.records.add(records.count)
            let waited = edge.consumer.push(records, tickets: tickets, port: edge.port)
            if waited > 0 { metrics.blocked(nanos: waited) }
        }
    }

    /// Tells every consumer of every output that the splits were revoked,
    /// behind the records already sent to it.
    func dispatchRevocation(_ splits: [UInt32]) {
        for edge in routes.joined() { edge.consumer.broadcast(.revoked(splits: splits, port: edge.port), port: edge.port) }
    }

    /// Sends failed records, wrapped with their reasons, to the dead-letter stage.
    func deadLetter(_ source: RecordBuffer, _ failures: [DeliveryStateMachine.DeadLetter], tickets: [Ticket]) {
        guard !failures.isEmpty else { return }
        metrics.failed(failures.count)
        control.firstDeadLetters.note(stage: name, failures.lazy.map(\.reason))
        logRecordErrors(source, failures)
        let wrapped = DeadLetter.wrap(source, failures, stage: name)
        guard let dlq = deadLetterGroup else {
            // This is the dead-letter stage and it cannot write. Keeping a
            // reference on the tickets for good means their sources are
            // never acked: the records are read again by the next run,
            // instead of being acked (and their offsets committed) unwritten.
            for t in tickets { t.retain() }
            control.undeliverable.wrappingAdd(failures.count, ordering: .relaxed)
            logger.critical("\(failures.count) record(s) could not be written to the dead-letter queue either (first: \(failures[0].reason)); their sources are not acked, so they are read again on the next run")
            return
        }
        let waited = dlq.push(wrapped, tickets: tickets, port: 0)
        if waited > 0 { metrics.blocked(nanos: waited) }
    }

    /// While the breaker is open, sleeps to the end of its cool-down (or the
    /// drain deadline) without calling the component; `/ready` says why.
    /// False when the drain deadline came first: no call is to be made.
    private func waitWhileTheCircuitIsOpen() -> Bool {
        guard let until = breaker.blockedUntil(now: Clock.monotonicNanos()) else { return true }
        condition = .circuitOpen
        let now = Clock.monotonicNanos()
        if until > now { Backoff.sleep(millis: Int((until - now) / 1_000_000)) { control.drainDeadlinePassed } }
        if control.drainDeadlinePassed, Clock.monotonicNanos() < until { return false }
        _ = breaker.blockedUntil(now: Clock.monotonicNanos())
        condition = .retrying
        return true
    }

    /// A warning naming the first failed record's reason and position: its
    /// index in the batch and, when the records came straight from a source,
    /// the source's delivery token (file.read: the line number; kafka.read:
    /// partition slot and offset).
    private func logRecordErrors(_ source: RecordBuffer, _ failures: [DeliveryStateMachine.DeadLetter]) {
        guard logger.logLevel <= .warning else { return }
        let decision = recordErrorLog.withLock { $0.admit("dead-lettered", now: Clock.monotonicSeconds()) }
        guard decision.emit else { return }
        let first = failures[0]
        var metadata: Logger.Metadata = ["records": "\(failures.count)", "batch_index": "\(first.index)"]
        if first.index < source.tokens.count, source.tokens[first.index] != 0 { metadata["source_token"] = "\(source.tokens[first.index])" }
        if decision.suppressed > 0 { metadata["suppressed"] = "\(decision.suppressed)" }
        logger.warning("dead-lettered \(failures.count) record(s); first: \(first.reason)", metadata: metadata)
    }

    /// Counts record-error lines still held back when the stage ends.
    func summarizeRecordErrors() {
        for (_, count) in recordErrorLog.withLock({ $0.drainSuppressed() }) {
            logger.warning("\(count) more record-error line(s) suppressed", metadata: ["suppressed": "\(count)"])
        }
    }

    /// Tells every edge out of this stage, and the dead-letter stage, that it is done.
    func finish() {
        for edge in routes.joined() { edge.consumer.broadcast(.end, port: edge.port) }
        deadLetterGroup?.broadcast(.end, port: 0)
    }

    /// Delivers `records` through `attempt` until none is left to retry,
    /// carrying out the `DeliveryStateMachine`'s decisions.
    ///
    /// `attempt` makes one call with the records still pending and returns
    /// its status and context; `accept` is given the context of every
    /// attempt whose status was OK.
    ///
    /// Past the drain deadline, what is left is dead-lettered; when the
    /// records are `durable` (kept in a disk buffer for the next run) it is
    /// left alone instead and the result is false.
    @discardableResult
    func deliver(_ records: RecordBuffer, tickets: [Ticket], durable: Bool = false,
                 attempt: (RecordBuffer) -> (sluice_status, CallContext), accept: (RecordBuffer, CallContext) -> Void) -> Bool
    {
        var delivery: Delivery
        switch startDelivery(records, tickets: tickets, durable: durable) {
        case let .skipped(result): return result
        case let .started(started): delivery = started
        }
        while true {
            let (status, ctx) = call(delivery, attempt)
            if case let .finished(result) = step(&delivery, status: status, ctx: ctx, accept: accept) { return result }
        }
    }

    /// One batch on its way through `deliver`: what is still to be written
    /// and the machine deciding what happens to it. A sink stage keeps it
    /// across a write whose records are still in flight (ABI 1.4).
    struct Delivery {
        var machine: DeliveryStateMachine
        var pending: RecordBuffer
        let tickets: [Ticket]
        let durable: Bool
        let started: UInt64
    }

    enum DeliveryStart {
        /// Nothing to call: the records were handled at once (the result is `deliver`'s).
        case skipped(Bool)
        case started(Delivery)
    }

    enum DeliveryStep {
        case finished(Bool)
        /// Records are left to retry: call again with `pending`.
        case again
    }

    func startDelivery(_ records: RecordBuffer, tickets: [Ticket], durable: Bool) -> DeliveryStart {
        if let dead = DeliveryStateMachine.skipped(count: records.count, lastFailure: lastFailure,
                                                   now: Clock.monotonicNanos(), drainDeadline: control.drainDeadline)
        {
            if durable { return .skipped(false) }
            deadLetter(records, dead, tickets: tickets)
            return .skipped(true)
        }
        let machine = DeliveryStateMachine(
            stageName: name,
            backoff: Backoff(initialMillis: retry.initialBackoffMillis ?? settings.initialBackoffMillis,
                             maxMillis: retry.maxBackoffMillis ?? settings.maxBackoffMillis),
            maxAttempts: retry.maxAttempts)
        return .started(Delivery(machine: machine, pending: records, tickets: tickets, durable: durable, started: Clock.monotonicNanos()))
    }

    /// One call with the pending records, or, past the drain deadline with
    /// the circuit still open, a failed attempt without a call to the server
    /// the breaker is sparing (each could take the plugin's own timeout).
    func call(_ delivery: Delivery, _ attempt: (RecordBuffer) -> (sluice_status, CallContext)) -> (sluice_status, CallContext) {
        waitWhileTheCircuitIsOpen() ? attempt(delivery.pending) : (SLUICE_RETRIABLE, CallContext(output: nil, input: delivery.pending))
    }

    /// Carries out the machine's decision on one call's outcome: accepts,
    /// dead-letters, and for a retry sleeps the backoff and returns `.again`.
    func step(_ delivery: inout Delivery, status: sluice_status, ctx: CallContext, accept: (RecordBuffer, CallContext) -> Void) -> DeliveryStep {
        let now = Clock.monotonicNanos()
        let action = delivery.machine.attempted(count: delivery.pending.count, status: status, failures: ctx.failures,
                                                now: now, drainDeadline: control.drainDeadline)
        if case .retry = action {
            if breaker.record(success: false, now: now) {
                logger.warning("circuit breaker open after \(retry.breakerFailures) failed call(s) in a row; no call for \(breaker.coolDownNanos / 1_000_000) ms (\(delivery.machine.retryReason ?? ""))")
            }
        } else {
            _ = breaker.record(success: true, now: now)
        }
        let pending = delivery.pending
        switch action {
        case let .finished(ok, failed):
            lastFailure = nil
            if condition == .retrying { condition = .running }
            if ok { accept(pending, ctx) }
            deadLetter(pending, failed, tickets: delivery.tickets)
            metrics.batchTook(nanos: Clock.monotonicNanos() - delivery.started)
            return .finished(true)
        case let .giveUp(ok, failed, attempts):
            lastFailure = delivery.machine.retryReason
            if condition == .retrying { condition = .running }
            if ok { accept(pending, ctx) }
            metrics.batchTook(nanos: Clock.monotonicNanos() - delivery.started)
            if delivery.durable {
                logger.error("draining: stopped after \(attempts) attempt(s); the batch stays in the disk buffer for the next run")
                return .finished(false)
            }
            logger.error("draining: giving up after \(attempts) attempt(s); dead-lettering \(failed.count) record(s)")
            deadLetter(pending, failed, tickets: delivery.tickets)
            return .finished(true)
        case let .retry(ok, failed, retry, delay, reason, log):
            lastFailure = delivery.machine.retryReason
            if ok { accept(pending, ctx) }
            deadLetter(pending, failed, tickets: delivery.tickets)
            metrics.retried(retry.count)
            condition = .retrying
            if log { logger.warning("retrying \(retry.count) record(s) in \(delay) ms (attempt \(delivery.machine.attempts)): \(reason)") }
            delivery.pending = retry.count == pending.count ? pending : RecordBuffer(selecting: retry, from: pending)
            Backoff.sleep(millis: delay) { control.drainDeadlinePassed }
            return .again
        }
    }
}
