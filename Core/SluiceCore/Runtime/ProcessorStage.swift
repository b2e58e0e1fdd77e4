import CSluicePlugin
import Foundation
import Logging

/// Runs a processor on each inbound batch and on a periodic tick, and routes
/// each of its outputs to the edges wired to it.
///
/// Results carry the tickets of the batch they came from plus those of the
/// holds attached to them, so a source batch whose record sits in the
/// processor's state is acked only after the result made from it is written.
///
/// `@unchecked Sendable` for the reasons on `Stage`; `instance` is called from this stage's thread only.
final class ProcessorStage: Stage, @unchecked Sendable {
    let instance: any RecordProcessor
    /// Built against ABI 1.3 or later: it is given control batches of revoked splits.
    private let receivesRevocations: Bool

    /// - Parameters:
    ///   - inputPorts: its `inputs:` count; with several, batches are taken in event-time order (`PortedQueue`).
    ///   - maxHoldMillis: how long an input ahead in event time may wait for an empty one (`InputAlignment`).
    init(name: String, metrics: StageMetrics, instance: any RecordProcessor, receivesRevocations: Bool, settings: EngineSettings,
         control: EngineControl, logger: Logger, worker: Int? = nil, inputPorts: Int = 1, maxHoldMillis: Int = 0)
    {
        self.instance = instance
        self.receivesRevocations = receivesRevocations
        super.init(name: name, metrics: metrics, settings: settings, control: control, logger: logger, worker: worker,
                   alignedPorts: inputPorts, maxHoldMillis: maxHoldMillis)
    }

    private var outputCount: Int { 1 + instance.info.outputs.count }

    override func run() {
        let interval = UInt64(settings.tickIntervalMillis) * 1_000_000
        var nextTick = Clock.monotonicNanos() + interval
        var drain = DrainStateMachine(edges: inboundEdges)
        while !drain.isDrained {
            let now = Clock.monotonicNanos()
            let wait = instance.hasTick ? Double(nextTick > now ? nextTick - now : 0) / 1e9 : 1.0
            let message = inbox.pop(timeout: wait)
            if instance.hasTick, Clock.monotonicNanos() >= nextTick {
                tick()
                nextTick = Clock.monotonicNanos() + interval
            }
            switch message {
            case .none: continue
            case .end: _ = drain.edgeEnded()
            case let .batch(envelope): handle(envelope)
            case let .revoked(splits, port): revoke(splits, port: port)
            }
        }
        // The last tick: the plugin sees `stopping` and emits what it still can.
        instance.host.draining.store(true, ordering: .releasing)
        if instance.hasTick { tick() }
        finish()
    }

    private func handle(_ envelope: Envelope) {
        metrics.received(envelope.records.count)
        deliver(envelope.records, tickets: envelope.tickets,
                attempt: { records in
                    restore()
                    let ctx = CallContext(input: records, outputCount: outputCount, tickets: envelope.tickets, holds: instance.host.holds)
                    return (instance.process(records, port: envelope.port, ctx), ctx)
                },
                accept: { _, ctx in route(ctx, tickets: envelope.tickets) })
        for t in envelope.tickets { t.release() }
    }

    /// Lets the plugin drop the splits' state, then passes the revocation on
    /// behind whatever that emitted, once every worker of the component has.
    private func revoke(_ splits: [UInt32], port: Int) {
        if receivesRevocations {
            restore()
            let ctx = CallContext(input: nil, outputCount: outputCount, tickets: [], holds: instance.host.holds)
            let status = instance.revoke(splits, port: port, ctx)
            if status != SLUICE_OK { logger.warning("process of revoked splits \(splits) returned status \(status.rawValue)") }
            route(ctx, tickets: [])
        }
        guard let group else { return dispatchRevocation(splits) }
        group.passRevocation(worker: worker, port: port, giveUp: { control.drainDeadlinePassed }) { dispatchRevocation(splits) }
    }

    private func tick() {
        restore()
        let ctx = CallContext(input: nil, outputCount: outputCount, tickets: [], holds: instance.host.holds)
        let status = instance.tick(now: Clock.wallMillis(), ctx)
        if status != SLUICE_OK { logger.warning("tick returned status \(status.rawValue)") }
        route(ctx, tickets: [])
    }

    /// An isolated processor whose child died holding records gives them
    /// to a new child first; what that emits goes out like a tick's, each
    /// output carrying the replayed records' pins.
    private func restore() {
        guard instance.needsRestore else { return }
        let ctx = CallContext(input: nil, outputCount: outputCount, tickets: [], holds: instance.host.holds)
        if instance.restore(ctx) { route(ctx, tickets: []) }
    }

    /// Dispatches every output of a call, then drops the call's own references on attached tickets.
    private func route(_ ctx: CallContext, tickets: [Ticket]) {
        if ctx.rejected > 0 { logger.error("\(ctx.rejected) emit(s) refused: malformed BSON, an unknown output or an unknown hold") }
        for output in 0 ..< ctx.outputCount {
            guard let records = ctx.result(output) else { continue }
            dispatch(records, tickets: tickets + ctx.attachedTickets(output), output: output)
        }
        ctx.releaseAttached()
    }
}
