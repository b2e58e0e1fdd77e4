import CSluicePlugin
import Foundation
import Logging

/// Runs a processor on each inbound batch and on a periodic tick.
final class ProcessorStage: Stage, @unchecked Sendable {
    let instance: ComponentInstance

    init(name: String, instance: ComponentInstance, settings: EngineSettings, control: EngineControl, logger: Logger) {
        self.instance = instance
        super.init(name: name, role: .processor, settings: settings, control: control, logger: logger)
    }

    override func run() {
        let interval = UInt64(settings.tickIntervalMillis) * 1_000_000
        var nextTick = Clock.monotonicNanos() + interval
        var ends = 0
        while ends < expectedEnds {
            let now = Clock.monotonicNanos()
            let wait = instance.hasTick ? Double(nextTick > now ? nextTick - now : 0) / 1e9 : 1.0
            let message = inbox.pop(timeout: wait)
            if instance.hasTick, Clock.monotonicNanos() >= nextTick {
                tick()
                nextTick = Clock.monotonicNanos() + interval
            }
            switch message {
            case .none: continue
            case .end: ends += 1
            case let .batch(envelope): handle(envelope)
            }
        }
        if instance.hasTick { tick() }
        finish()
    }

    private func handle(_ envelope: Envelope) {
        metrics.recordsIn.wrappingAdd(envelope.records.count, ordering: .relaxed)
        metrics.batches.wrappingAdd(1, ordering: .relaxed)
        deliver(envelope.records, tickets: envelope.tickets, output: true,
                attempt: { records, ctx in instance.process(records, ctx) },
                accept: { _, ctx in if let out = ctx.result() { dispatch(out, tickets: envelope.tickets) } })
        for t in envelope.tickets { t.release() }
    }

    private func tick() {
        let ctx = CallContext(output: RecordBuffer(), input: nil)
        let status = instance.tick(now: Clock.wallMillis(), ctx)
        if status != SLUICE_OK { logger.warning("tick returned status \(status.rawValue)") }
        if let out = ctx.result() { dispatch(out, tickets: []) }
    }
}
