import CSluicePlugin
import Foundation
import Logging

/// A processor whose plugin runs in a child process (`isolation: process`).
/// Each batch goes to the child (`IsolationWire`); the child calls process
/// and sends back what the plugin emitted to each output and the records it
/// failed, which this copies into the stage's context as if the plugin had
/// emitted them in the host (every document checked again).
///
/// A crash, or no answer within `engine.call_timeout_ms` (the child is then
/// killed), fails every record of the batch as retriable with the reason
/// ("plugin crashed: its process was killed by signal 11 (SIGSEGV)"): the
/// stage retries them in a new child under the component's `retry:`
/// settings, and dead-letters them as `retries_exhausted` when those run
/// out. Nothing the child emitted in a call that did not finish is used.
///
/// Holds (`host->hold`) cannot cross the process boundary: a record kept in
/// the child's state would be acknowledged to its source while only the
/// child had it. Components that declare keyed state are refused at
/// `validate`; a plugin that takes a hold anyway has its child stopped and
/// the batch dead-lettered with the reason.
///
/// Used by its stage's thread only, like an in-process instance.
final class IsolatedProcessor: RecordProcessor {
    let info: ComponentInfo
    let host: ComponentHost
    let child: PluginChild

    init(info: ComponentInfo, host: ComponentHost, child: PluginChild) {
        self.info = info
        self.host = host
        self.child = child
    }

    var hasTick: Bool { info.hasTick }

    func process(_ input: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status {
        let request = IsolationWire.processRequest(input, port: port)
        let answer: IsolationWire.CallAnswer
        switch call(request, "a process of \(input.count) record(s)", ctx) {
        case let .success(a): answer = a
        case let .failure(died):
            for i in 0 ..< input.count { ctx.fail(i, SLUICE_FAILURE_RETRIABLE, died.recordReason) }
            return SLUICE_RETRIABLE
        }
        if answer.held > 0 {
            let reason = "isolation: process cannot keep records in the plugin's state: it held \(answer.held) record(s) (host->hold, ABI 1.1), which would be acknowledged to their source while only the child process had them; its process was stopped, dropping that state. Run \(info.name) in the host (remove isolation:)"
            host.logger.error("\(reason)")
            child.kill()
            for i in 0 ..< input.count { ctx.fail(i, SLUICE_FAILURE_PERMANENT, reason) }
            return SLUICE_PERMANENT
        }
        for f in answer.failures where f.index >= 0 && f.index < input.count {
            ctx.fail(f.index, f.retriable ? SLUICE_FAILURE_RETRIABLE : SLUICE_FAILURE_PERMANENT, f.reason)
        }
        return sluice_status(rawValue: UInt32(bitPattern: answer.status))
    }

    func revoke(_ splits: [UInt32], port: Int, _ ctx: CallContext) -> sluice_status {
        // A child started after the last one died has no state for the splits.
        guard child.isRunning else { return SLUICE_OK }
        var request = [IsolationWire.Request.revoke.rawValue]
        request.appendLittleEndian(UInt32(port))
        request.appendLittleEndian(UInt32(splits.count))
        for s in splits { request.appendLittleEndian(s) }
        return status(of: call(request, "a revocation of splits \(splits)", ctx))
    }

    func tick(now: Int64, _ ctx: CallContext) -> sluice_status {
        // As for revoke: a child that is not running holds nothing to emit.
        guard child.isRunning else { return SLUICE_OK }
        var request = [IsolationWire.Request.tick.rawValue]
        request.appendLittleEndian(UInt64(bitPattern: now))
        request.append(host.draining.load(ordering: .acquiring) ? 1 : 0)
        return status(of: call(request, "a tick", ctx))
    }

    private func status(of result: Result<IsolationWire.CallAnswer, PluginChild.Died>) -> sluice_status {
        (try? result.get()).map { sluice_status(rawValue: UInt32(bitPattern: $0.status)) } ?? SLUICE_RETRIABLE
    }

    /// Sends a call and copies what the plugin emitted into `ctx`; nothing
    /// is copied when the child died.
    private func call(_ request: [UInt8], _ name: String, _ ctx: CallContext) -> Result<IsolationWire.CallAnswer, PluginChild.Died> {
        child.call(request, name, read: IsolationWire.readCallAnswer).map { answer, bytes in
            _ = IsolationWire.decodeCallAnswer(bytes) { output, record in _ = record.emit(into: ctx, output: output, token: record.token) }
            if answer.rejected > 0 {
                host.logger.error("\(answer.rejected) emit(s) refused in its plugin process: malformed BSON, an unknown output or an unknown hold")
            }
            return answer
        }
    }
}
