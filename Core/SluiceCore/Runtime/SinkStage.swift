import CSluicePlugin
import Foundation
import Logging

/// Writes inbound batches through a sink (or the dead-letter file), retrying
/// and dead-lettering per record, and flushing when idle and at the end.
///
/// A sink built against ABI 1.4 may hold records it has sent but not yet
/// had confirmed (`inFlight`): the stage parks such a write and goes on
/// with the next batch, so the sink's round trips overlap; the batch's
/// tickets are released, and its failures retried or dead-lettered, once
/// every hold has ended. At most `maxParked` writes are parked: one more
/// flushes the sink first.
///
/// `@unchecked Sendable` for the reasons on `Stage`; `writer` and `parked` are used from this stage's thread only.
final class SinkStage: Stage, @unchecked Sendable {
    let writer: RecordWriter
    /// Where the sink's holds go; nil for a sink that writes synchronously.
    private let inFlight: InFlightWrites?
    /// Writes whose records are still in flight, oldest first.
    private var parked: [Parked] = []
    /// One parked write lets a batch's round trip overlap the next batch's
    /// sending. Each parked batch is kept for a retry: with two, kafka.write
    /// reached 1.10× kcat instead of 0.91×, but faker → validator →
    /// kafka.write peaked at 67 MiB instead of 64 (bench/RESULTS.md, 2026-11-30).
    static let maxParked = 1

    private struct Parked {
        var delivery: Delivery
        let port: Int
        let attempt: Int
        let ctx: CallContext
    }

    /// - Parameter inFlight: the instance's in-flight table when its plugin speaks ABI 1.4.
    init(name: String, metrics: StageMetrics, writer: RecordWriter, inFlight: InFlightWrites? = nil, settings: EngineSettings,
         control: EngineControl, logger: Logger, worker: Int? = nil)
    {
        self.writer = writer
        self.inFlight = inFlight
        super.init(name: name, metrics: metrics, settings: settings, control: control, logger: logger, worker: worker)
    }

    override func run() {
        var drain = DrainStateMachine(edges: inboundEdges)
        var dirty = false
        let idle = Double(settings.flushIntervalMillis) / 1000
        while !drain.isDrained {
            switch inbox.pop(timeout: idle) {
            case .none:
                if dirty || !parked.isEmpty { flushAndSettle() }
                dirty = false
            case .end: _ = drain.edgeEnded()
            case .revoked: continue
            case let .batch(envelope):
                metrics.received(envelope.records.count)
                if inFlight == nil {
                    write(envelope.records, port: envelope.port, tickets: envelope.tickets, through: writer)
                } else {
                    writeInFlight(envelope.records, port: envelope.port, tickets: envelope.tickets)
                }
                for t in envelope.tickets { t.release() }
                dirty = true
            }
        }
        // A retry made while settling can park a new write: flush until
        // nothing is parked, or a flush settles nothing more.
        while flushAndSettle() > 0, !parked.isEmpty {}
        if !parked.isEmpty {
            // Their tickets stay retained: the sources are not acked, so the
            // next run reads these records again rather than losing them.
            logger.error("\(parked.count) write(s) still unconfirmed after the final flush; their records are read again on the next run")
        }
        finish()
    }

    @discardableResult
    private func flushAndSettle() -> Int {
        flush(writer)
        return settle()
    }

    /// `write(…through:)` for a sink that may leave records in flight.
    private func writeInFlight(_ records: RecordBuffer, port: Int, tickets: [Ticket]) {
        guard case var .started(delivery) = startDelivery(records, tickets: tickets, durable: false) else { return }
        if parked.count >= Self.maxParked {
            // Reports that came back during the last write may have freed a place already.
            settle()
            if parked.count >= Self.maxParked { flushAndSettle() }
        }
        attemptUntilParked(&delivery, port: port)
        settle()
    }

    /// Calls the sink until the delivery finishes, or parks it when the
    /// write returned with records in flight.
    private func attemptUntilParked(_ delivery: inout Delivery, port: Int) {
        while true {
            var attempt = 0
            let (status, ctx) = call(delivery) { records in
                attempt = inFlight!.begin()
                let ctx = CallContext(output: nil, input: records, writes: (inFlight!, attempt))
                return (writer.write(records, port: port, ctx), ctx)
            }
            if status == SLUICE_OK, attempt != 0, inFlight!.isOpen(attempt) {
                for t in delivery.tickets { t.retain() }
                parked.append(Parked(delivery: delivery, port: port, attempt: attempt, ctx: ctx))
                return
            }
            if attempt != 0 {
                if status == SLUICE_OK {
                    for f in inFlight!.result(of: attempt) ?? [] { ctx.fail(f) }
                } else {
                    inFlight!.abandon(attempt)
                }
            }
            if case .finished = step(&delivery, status: status, ctx: ctx, accept: countWritten) { return }
        }
    }

    /// Finishes parked writes whose holds have all ended, in order: their
    /// failures are retried or dead-lettered and their tickets released.
    /// Returns how many it finished.
    @discardableResult
    private func settle() -> Int {
        var finished = 0
        while let first = parked.first, let failures = inFlight!.result(of: first.attempt) {
            finished += 1
            parked.removeFirst()
            var delivery = first.delivery
            for f in failures { first.ctx.fail(f) }
            if case .again = step(&delivery, status: SLUICE_OK, ctx: first.ctx, accept: countWritten) {
                attemptUntilParked(&delivery, port: first.port)
            }
            for t in first.delivery.tickets { t.release() }
        }
        return finished
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
                accept: countWritten)
    }

    /// Counts what a sink's call wrote: all its records but the failed ones.
    func countWritten(_ records: RecordBuffer, _ ctx: CallContext) {
        metrics.sent(records.count - ctx.failures.count)
        metrics.written(records, failed: ctx.failures.map(\.index), nowMillis: Clock.wallMillis())
    }

    /// Flushes a sink's writer, warning when it fails.
    func flush(_ writer: RecordWriter) {
        let status = writer.flush()
        if status != SLUICE_OK { logger.warning("flush returned status \(status.rawValue)") }
    }
}
