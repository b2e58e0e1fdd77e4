import CSluicePlugin
import Foundation
import Logging
import SluiceSDK
import Synchronization

/// Polls a source component into batches (by size and time) and acks them
/// back once every sink has written them.
final class SourceStage: Stage, @unchecked Sendable {
    let instance: ComponentInstance
    let batch: BatchSettings
    private let outstanding = Atomic<Int>(0)
    private let completed = Mutex<[[UInt64]]>([])
    /// Set by the engine once every downstream stage has exited.
    let downstreamDone = Atomic<Bool>(false)

    init(name: String, instance: ComponentInstance, batch: BatchSettings, settings: EngineSettings, control: EngineControl, logger: Logger) {
        self.instance = instance
        self.batch = batch
        super.init(name: name, role: .source, settings: settings, control: control, logger: logger)
    }

    override func run() {
        var backoff = Backoff(initialMillis: settings.initialBackoffMillis, maxMillis: settings.maxBackoffMillis)
        var ended = false
        while !ended, !control.isStopping {
            deliverAcks()
            let granted = control.take(batch.maxRecords)
            if granted == 0 { break }
            let buffer = RecordBuffer(capacity: granted)
            var failures: [(index: Int, reason: String)] = []
            let deadline = Clock.monotonicNanos() + UInt64(batch.maxWaitMillis) * 1_000_000
            repeat {
                let before = buffer.count
                let now = Clock.monotonicNanos()
                let remaining = deadline > now ? Int((deadline - now) / 1_000_000) : 0
                let ctx = CallContext(output: buffer, input: nil)
                let started = now
                let status = instance.poll(ctx, maxRecords: granted - buffer.count, timeoutMillis: remaining)
                for f in ctx.failures where before + f.index < buffer.count {
                    failures.append((before + f.index, f.reason))
                }
                if ctx.rejected > 0 { logger.error("\(ctx.rejected) malformed BSON document(s) emitted by \(name) were refused") }
                if status == SLUICE_END {
                    ended = true
                } else if status == SLUICE_RETRIABLE {
                    backoff.sleep { control.isStopping }
                    break
                } else if status != SLUICE_OK {
                    logger.error("poll failed permanently (status \(status.rawValue)); stopping this source")
                    ended = true
                } else {
                    backoff.reset()
                    if buffer.count == before, Clock.monotonicNanos() - started < 1_000_000 { usleep(1000) }
                }
            } while !ended && buffer.count < granted && Clock.monotonicNanos() < deadline && !control.isStopping
            control.giveBack(granted - buffer.count)
            guard !buffer.isEmpty else { continue }
            metrics.recordsIn.wrappingAdd(buffer.count, ordering: .relaxed)
            metrics.batches.wrappingAdd(1, ordering: .relaxed)
            outstanding.wrappingAdd(1, ordering: .relaxed)
            let ticket = Ticket(tokens: buffer.tokens) { [weak self] t in self?.complete(t) }
            if failures.isEmpty {
                dispatch(buffer, tickets: [ticket])
            } else {
                let failed = Set(failures.map(\.index))
                let forward = RecordBuffer(capacity: buffer.count)
                for i in 0 ..< buffer.count where !failed.contains(i) { forward.append(from: buffer, at: i) }
                dispatch(forward, tickets: [ticket])
                deadLetter(buffer, failures, tickets: [ticket])
            }
            ticket.release()
        }
        finish()
        while outstanding.load(ordering: .acquiring) > 0, !downstreamDone.load(ordering: .acquiring) {
            deliverAcks()
            usleep(2000)
        }
        deliverAcks()
    }

    private func complete(_ ticket: Ticket) {
        completed.withLock { $0.append(ticket.tokens) }
        outstanding.wrappingSubtract(1, ordering: .releasing)
    }

    /// Acks, on this thread, every batch completed since the last call.
    private func deliverAcks() {
        let done = completed.withLock { c -> [[UInt64]] in
            defer { c.removeAll() }
            return c
        }
        for tokens in done { instance.ack(tokens) }
    }

    /// Batches dispatched but not yet acked.
    var unacked: Int { outstanding.load(ordering: .relaxed) }
}
