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
                if dirty { flush(writer) }
                dirty = false
            case .end: _ = drain.edgeEnded()
            case .revoked: continue
            case let .batch(envelope):
                metrics.received(envelope.records.count)
                write(envelope.records, port: envelope.port, tickets: envelope.tickets, through: writer)
                for t in envelope.tickets { t.release() }
                dirty = true
            }
        }
        flush(writer)
        finish()
    }
}

extension Stage {
    /// Delivers records through a sink's writer, counting what it wrote;
    /// as `deliver`, false when `durable` records were left for the next run.
    @discardableResult
    func write(_ records: RecordBuffer, port: Int, tickets: [Ticket], durable: Bool = false, through writer: RecordWriter) -> Bool {
        deliver(records, tickets: tickets, durable: durable,
                attempt: { records in
                    let ctx = CallContext(output: nil, input: records)
                    return (writer.write(records, port: port, ctx), ctx)
                },
                accept: { records, ctx in
                    metrics.sent(records.count - ctx.failures.count)
                    metrics.written(records, failed: ctx.failures.map(\.index), nowMillis: Clock.wallMillis())
                })
    }

    /// Flushes a sink's writer, warning when it fails.
    func flush(_ writer: RecordWriter) {
        let status = writer.flush()
        if status != SLUICE_OK { logger.warning("flush returned status \(status.rawValue)") }
    }
}
