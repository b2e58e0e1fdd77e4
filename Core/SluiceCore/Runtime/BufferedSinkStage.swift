import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

/// A sink with a disk buffer (`buffer: {type: disk}`): its intake appends
/// each inbound batch to a `DurableQueue` and acknowledges the batch's
/// sources once it is fsync'd; a second thread writes the queued batches
/// through the sink in order, retrying as `SinkStage` does, and moves the
/// queue's cursor past each batch written. A sink whose server is down
/// therefore holds the sources back only once the buffer is full, and what
/// a crash or a drain timeout leaves in the buffer is written by the next run.
///
/// `@unchecked Sendable` for the reasons on `Stage`; `writer` is called from
/// the writer thread only, and the two threads share only `queue` (locked).
final class BufferedSinkStage: Stage, @unchecked Sendable {
    let writer: RecordWriter
    let queue: DurableQueue

    init(name: String, metrics: StageMetrics, writer: RecordWriter, queue: DurableQueue, settings: EngineSettings,
         control: EngineControl, logger: Logger, worker: Int? = nil)
    {
        self.writer = writer
        self.queue = queue
        super.init(name: name, metrics: metrics, settings: settings, control: control, logger: logger, worker: worker)
    }

    override func run() {
        let writerDone = DispatchSemaphore(value: 0)
        let writerThread = Thread { [self] in
            writeLoop()
            writerDone.signal()
        }
        writerThread.name = "sluice-\(name)-writer"
        writerThread.stackSize = 4 << 20
        writerThread.start()
        var drain = DrainStateMachine(edges: inboundEdges)
        while !drain.isDrained {
            switch inbox.pop(timeout: 1) {
            case nil, .revoked: continue
            case .end: _ = drain.edgeEnded()
            case let .batch(envelope):
                metrics.received(envelope.records.count)
                take(envelope)
            }
        }
        queue.close()
        writerDone.wait()
        finish()
    }

    /// Appends a batch durably, then acknowledges its sources. A disk that
    /// refuses the append is retried with backoff; past the drain deadline
    /// the batch's sources are never acknowledged, so they read it again.
    private func take(_ envelope: Envelope) {
        var backoff = Backoff(initialMillis: settings.initialBackoffMillis, maxMillis: settings.maxBackoffMillis)
        while true {
            do {
                let waited = try queue.append(envelope.records, port: envelope.port)
                if waited > 0 { metrics.blocked(nanos: waited) }
                for t in envelope.tickets { t.release() }
                return
            } catch {
                if control.drainDeadlinePassed {
                    control.undeliverable.wrappingAdd(envelope.records.count, ordering: .relaxed)
                    logger.critical("\(envelope.records.count) record(s) could not be put in the disk buffer (\(error)); their sources are not acked, so they are read again on the next run")
                    return
                }
                condition = .retrying
                logger.error("disk buffer: \(error); retrying")
                backoff.sleep { control.drainDeadlinePassed }
            }
        }
    }

    /// The writer thread: writes buffered batches in order until the intake
    /// has ended and the buffer is empty, or the drain deadline passes.
    private func writeLoop() {
        var dirty = false
        let idle = Double(settings.flushIntervalMillis) / 1000
        loop: while !control.drainDeadlinePassed {
            let next: DurableQueue.Next
            do {
                next = try queue.next(timeout: idle)
            } catch {
                logger.critical("disk buffer: \(error); stopping this sink's writes (the buffer is kept for the next run)")
                control.undeliverable.wrappingAdd(1, ordering: .relaxed)
                break loop
            }
            switch next {
            case .idle:
                if dirty { flush(writer) }
                dirty = false
            case .finished:
                break loop
            case let .frame(records, port, position):
                let written = write(records, port: port, tickets: [], durable: true, through: writer)
                guard written else { break loop }
                dirty = true
                do {
                    try queue.written(upTo: position)
                } catch {
                    logger.warning("disk buffer: \(error); the batch may be written again by the next run")
                }
            }
        }
        flush(writer)
        let left = queue.pendingBytes
        if left > 0 { logger.warning("\(left) bytes stay in the disk buffer \(queue.directory) for the next run") }
    }
}
