import CSluicePlugin
import Foundation
import Logging

/// A source whose plugin runs in a child process (`isolation: process`).
/// Each poll goes to the child, which polls the plugin and sends back the
/// records it emitted (with its failures and revoked splits); acks go back
/// to the child once every sink has written the records.
///
/// A crash, or no answer within `engine.call_timeout_ms` (the child is then
/// killed), makes the poll answer retriable: the stage backs off (the
/// source shows as unreachable) and the next poll starts a new child, which
/// reads on from where the source was last acknowledged. Nothing from a
/// poll that did not finish is used. Records the dead child read that are
/// still on their way are delivered, but their acks are dropped
/// (`SourceTokens`): the new child reads them again (at least once).
///
/// Used by its stage's thread only, like an in-process instance.
final class IsolatedSource: RecordSource {
    let child: PluginChild
    /// Whether the plugin has an ack call: without one, acks are not sent.
    private let takesAcks: Bool
    /// The run's stop, passed on with each poll for the plugin's `stopping`.
    private let control: EngineControl
    private let logger: Logger
    private var tokens = SourceTokens()
    private var metrics: ChildMetrics

    init(child: PluginChild, takesAcks: Bool, control: EngineControl, metrics: ChildMetrics, logger: Logger) {
        self.child = child
        self.metrics = metrics
        self.takesAcks = takesAcks
        self.control = control
        self.logger = logger
    }

    func poll(_ ctx: CallContext, maxRecords: Int, timeoutMillis: Int) -> sluice_status {
        var request = [IsolationWire.Request.poll.rawValue]
        request.appendLittleEndian(UInt32(clamping: maxRecords))
        request.appendLittleEndian(UInt32(clamping: timeoutMillis))
        request.append(control.isStopping ? 1 : 0)
        switch child.call(request, "a poll", read: IsolationWire.readCallAnswer) {
        case .failure:
            tokens.childEnded()
            return SLUICE_RETRIABLE
        case let .success((answer, bytes)):
            metrics.record(answer.metrics)
            // Each revocation goes in at its place among the records, as the plugin made it.
            var revocations = answer.revocations[...]
            var emitted = 0
            _ = IsolationWire.decodeCallAnswer(bytes) { _, record in
                while let next = revocations.first, next.position <= emitted {
                    ctx.revoke(next.splits)
                    revocations.removeFirst()
                }
                _ = record.emit(into: ctx, output: 0, token: tokens.issue(record.token))
                emitted += 1
            }
            for r in revocations { ctx.revoke(r.splits) }
            if answer.rejected > 0 { logger.error("\(answer.rejected) malformed BSON document(s) emitted in its plugin process were refused") }
            for f in answer.failures { ctx.fail(f.index, f.retriable ? SLUICE_FAILURE_RETRIABLE : SLUICE_FAILURE_PERMANENT, f.reason) }
            return sluice_status(rawValue: UInt32(bitPattern: answer.status))
        }
    }

    func ack(_ acked: [UInt64]) {
        let (current, stale) = tokens.acknowledge(acked)
        if stale > 0 {
            logger.notice("dropped \(stale) acknowledgement(s) of records read by a plugin process that has ended; the new process reads them again")
        }
        guard takesAcks, !current.isEmpty, child.isRunning else { return }
        var request = [IsolationWire.Request.ack.rawValue]
        request.appendLittleEndian(UInt32(current.count))
        for t in current { request.appendLittleEndian(t) }
        if case .failure = child.call(request, "an ack of \(current.count) record(s)", read: IsolationWire.readUInt32) {
            tokens.childEnded()
        }
    }
}
