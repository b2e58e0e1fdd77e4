import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

/// Polls a source component into batches and acks them back once every
/// sink has written them, carrying out the `SourceStateMachine`'s decisions.
///
/// `@unchecked Sendable` for the reasons on `Stage`; `instance` is called from this
/// stage's thread only, and other threads reach it through `mailbox` (locked).
final class SourceStage: Stage, @unchecked Sendable {
    let instance: any RecordSource
    let batch: BatchSettings
    let mailbox = AckMailbox()
    /// Whether the records' source texts are kept (`PipelinePlan.feedsTextReader`).
    private let keepsText: Bool

    /// - Parameters:
    ///   - keepsText: whether a sink downstream writes source texts, so the texts the source hands are kept.
    ///   - worker: its index among the source's readers when it has several (log metadata).
    init(name: String, metrics: StageMetrics, instance: any RecordSource, batch: BatchSettings, keepsText: Bool = false,
         settings: EngineSettings, control: EngineControl, logger: Logger, worker: Int? = nil)
    {
        self.instance = instance
        self.batch = batch
        self.keepsText = keepsText
        super.init(name: name, metrics: metrics, settings: settings, control: control, logger: logger, worker: worker)
    }

    override func run() {
        var machine = SourceStateMachine(
            batch: batch, backoff: Backoff(initialMillis: settings.initialBackoffMillis, maxMillis: settings.maxBackoffMillis))
        // The last batch's record size, so a batch's buffer is allocated once at about its size.
        var bytesPerRecord = 128
        var textBytesPerRecord: Int?
        // `--max-records` tells its sharers apart by name: each reader of a split source is one.
        let sharer = "\(name)#\(worker)"
        while true {
            deliverAcks(&machine)
            let granted: Int
            switch control.isStopping ? .exhausted : control.take(batch.maxRecords, by: sharer) {
            case let .records(n): granted = n
            case .exhausted: granted = 0
            case .wait:
                mailbox.wait(millis: 20)
                continue
            }
            let buffer = RecordBuffer(capacity: granted, bytesPerRecord: bytesPerRecord, textBytesPerRecord: textBytesPerRecord)
            var failures: [DeliveryStateMachine.DeadLetter] = []
            var revocations: [(position: Int, splits: [UInt32])] = []
            var pollNanos: UInt64 = 0
            var action = machine.begin(granted: granted, now: Clock.monotonicNanos(), stopping: control.isStopping)
            collecting: while true {
                switch action {
                case let .poll(maxRecords, timeout), let .pause(_, maxRecords, timeout):
                    if case let .pause(millis, _, _) = action {
                        mailbox.wait(millis: millis)
                        deliverAcks(&machine)
                    }
                    let before = buffer.count
                    let ctx = CallContext(output: buffer, input: nil, keepsSourceText: keepsText)
                    let started = Clock.monotonicNanos()
                    let status = instance.poll(ctx, maxRecords: maxRecords, timeoutMillis: timeout)
                    let now = Clock.monotonicNanos()
                    pollNanos += now - started
                    if status == SLUICE_RETRIABLE {
                        condition = .unreachable
                    } else if condition == .unreachable, status == SLUICE_OK || status == SLUICE_END {
                        condition = .running
                    }
                    for f in ctx.failures where before + f.index < buffer.count {
                        failures.append(.init(index: before + f.index, reason: f.reason))
                    }
                    revocations += ctx.revocations
                    if ctx.rejected > 0 { logger.error("\(ctx.rejected) malformed BSON document(s) emitted by \(name) were refused") }
                    if status != SLUICE_OK, status != SLUICE_END, status != SLUICE_RETRIABLE {
                        logger.error("poll failed permanently (status \(status.rawValue)); stopping this source")
                    }
                    action = machine.polled(status: status, emitted: buffer.count - before, elapsed: now - started, now: now,
                                            stopping: control.isStopping, revoked: !ctx.revocations.isEmpty)
                case .dispatch:
                    if !buffer.isEmpty {
                        bytesPerRecord = buffer.byteCount / buffer.count + 16
                        textBytesPerRecord = buffer.textByteCount / buffer.count + 16
                    }
                    send(buffer, granted: granted, failures: failures, revocations: revocations, pollNanos: pollNanos, &machine)
                    break collecting
                case let .dispatchAndBackOff(millis):
                    send(buffer, granted: granted, failures: failures, revocations: revocations, pollNanos: pollNanos, &machine)
                    mailbox.wait(millis: millis) { control.isStopping }
                    break collecting
                case .dispatchAndEnd:
                    send(buffer, granted: granted, failures: failures, revocations: revocations, pollNanos: pollNanos, &machine)
                    finish()
                    awaitAcks(&machine)
                    return
                case .awaitAcks, .exit:
                    preconditionFailure("\(action) while collecting")
                }
            }
        }
    }

    /// Dispatches a collected batch and returns unused budget. Records read
    /// before a revocation go first, then the revocation, then the rest.
    private func send(_ buffer: RecordBuffer, granted: Int, failures: [DeliveryStateMachine.DeadLetter],
                      revocations: [(position: Int, splits: [UInt32])], pollNanos: UInt64, _ machine: inout SourceStateMachine)
    {
        control.settle(granted: granted, used: buffer.count)
        if !buffer.isEmpty { metrics.batchTook(nanos: pollNanos) }
        guard !revocations.isEmpty else { return send(buffer, failures: failures, &machine) }
        var start = 0
        for (position, splits) in revocations + [(buffer.count, [])] {
            if position > start {
                let part = RecordBuffer(selecting: Array(start ..< position), from: buffer)
                let partFailures = failures.filter { $0.index >= start && $0.index < position }.map {
                    DeliveryStateMachine.DeadLetter(index: $0.index - start, reason: $0.reason)
                }
                send(part, failures: partFailures, &machine)
            }
            start = max(start, position)
            if !splits.isEmpty {
                logger.info("source gave up split(s) \(splits); telling the processors downstream")
                dispatchRevocation(splits)
            }
        }
    }

    /// Dispatches records (valid ones on, emitted failures to the dead-letter queue) under one ticket.
    private func send(_ buffer: RecordBuffer, failures: [DeliveryStateMachine.DeadLetter], _ machine: inout SourceStateMachine) {
        guard !buffer.isEmpty else { return }
        metrics.received(buffer.count)
        machine.dispatched()
        let mailbox = mailbox
        let ticket = Ticket(tokens: buffer.tokens) { mailbox.post($0, final: $1) }
        if failures.isEmpty {
            dispatch(buffer, tickets: [ticket])
        } else {
            let failed = Set(failures.map(\.index))
            dispatch(RecordBuffer(selecting: (0 ..< buffer.count).filter { !failed.contains($0) }, from: buffer), tickets: [ticket])
            deadLetter(buffer, failures, tickets: [ticket])
        }
        ticket.release()
    }

    /// After the end: acks what completes until nothing is outstanding or nothing downstream runs.
    private func awaitAcks(_ machine: inout SourceStateMachine) {
        while true {
            let downstreamDone = deliverAcks(&machine)
            if machine.settle(downstreamDone: downstreamDone) == .exit { return }
            mailbox.wait(millis: 1000)
        }
    }

    /// Acks, on this thread, every batch completed since the last call; returns whether downstream is done.
    @discardableResult
    private func deliverAcks(_ machine: inout SourceStateMachine) -> Bool {
        let (acks, finished, downstreamDone) = mailbox.take()
        for tokens in acks { instance.ack(tokens) }
        machine.acked(finished)
        return downstreamDone
    }
}
