import CSluicePlugin
import Foundation
import Logging

/// Writes inbound batches through a sink (or the dead-letter file), retrying
/// and dead-lettering per record, and flushing when idle and at the end.
///
/// `@unchecked Sendable` for the reasons on `Stage`; `writer` is called from this stage's thread only.
final class SinkStage: Stage, @unchecked Sendable {
    let writer: RecordWriter

    init(name: String, metrics: StageMetrics, writer: RecordWriter, settings: EngineSettings, control: EngineControl, logger: Logger,
         worker: Int? = nil)
    {
        self.writer = writer
        super.init(name: name, metrics: metrics, settings: settings, control: control, logger: logger, worker: worker)
    }

    override func run() {
        var drain = DrainStateMachine(edges: inboundEdges)
        var dirty = false
        let idle = Double(settings.flushIntervalMillis) / 1000
        while !drain.isDrained {
            switch inbox.pop(timeout: idle) {
            case .none:
                if dirty { flush() }
                dirty = false
            case .end: _ = drain.edgeEnded()
            case .revoked: continue
            case let .batch(envelope):
                metrics.received(envelope.records.count)
                deliver(envelope.records, tickets: envelope.tickets,
                        attempt: { records in
                            let ctx = CallContext(output: nil, input: records)
                            return (writer.write(records, port: envelope.port, ctx), ctx)
                        },
                        accept: { records, ctx in
                            metrics.sent(records.count - ctx.failures.count)
                            metrics.written(records, failed: ctx.failures.map(\.index), nowMillis: Clock.wallMillis())
                        })
                for t in envelope.tickets { t.release() }
                dirty = true
            }
        }
        flush()
        finish()
    }

    private func flush() {
        let status = writer.flush()
        if status != SLUICE_OK { logger.warning("flush returned status \(status.rawValue)") }
    }
}
