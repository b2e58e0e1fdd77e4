import CSluicePlugin
import Foundation

/// A sink whose plugin runs in a child process (`isolation: process`): the
/// same .so, loaded by `sluice isolate`, called over shared memory and a
/// control pipe (`IsolationWire`, `WireChannel`). A segfault or abort in the plugin ends the
/// child, not the host: every record of the batch being written fails as
/// retriable with the reason ("plugin crashed: …"), the stage's `retry:`
/// settings space the retries and bound them, and the next write starts a
/// new child. A batch the child died in is written again (at least once).
///
/// Used by its stage's thread only, like an in-process instance.
final class IsolatedSink: RecordWriter {
    let child: PluginChild
    private var metrics: ChildMetrics

    init(child: PluginChild, metrics: ChildMetrics) {
        self.child = child
        self.metrics = metrics
    }

    func write(_ records: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status {
        let request = [IsolationWire.Request.write.rawValue] + BufferFrame.encode(records, port: port)
        switch child.call(request, "a write of \(records.count) record(s)", read: IsolationWire.readWriteAnswer) {
        case let .failure(died):
            for i in 0 ..< records.count { ctx.fail(i, SLUICE_FAILURE_RETRIABLE, died.recordReason) }
            return SLUICE_RETRIABLE
        case let .success(answer):
            metrics.record(answer.metrics)
            for f in answer.failures where f.index >= 0 && f.index < records.count {
                ctx.fail(f.index, f.retriable ? SLUICE_FAILURE_RETRIABLE : SLUICE_FAILURE_PERMANENT, f.reason)
            }
            return sluice_status(rawValue: UInt32(bitPattern: answer.status))
        }
    }

    func flush() -> sluice_status {
        guard child.isRunning else { return SLUICE_OK }
        switch child.call([IsolationWire.Request.flush.rawValue], "a flush", read: IsolationWire.readUInt32) {
        case let .success(status): return sluice_status(rawValue: status)
        case .failure: return SLUICE_RETRIABLE
        }
    }

    func close() { child.close() }
}
