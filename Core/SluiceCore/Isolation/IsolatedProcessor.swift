import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

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
/// Holds (`host->hold`, ABI 1.1) cross the wire: a hold the plugin takes
/// in the child comes back in the call's answer, and the host pins the
/// input record's delivery as for a hold taken in the host; a record the
/// plugin emits with holds carries the host's pins; a release in the child
/// (in a call, or between calls) comes back in the next answer and the host
/// unpins. The host keeps a copy of every held record (`WireHolds`): when
/// the child dies, the next call first gives a new child those records
/// again (`restore`), in the order they were held, so it rebuilds its state
/// as after a host crash; what it emits from them may repeat earlier
/// output (sinks make replays idempotent), and nothing is acknowledged
/// before the plugin has released it.
///
/// Used by its stage's thread only, like an in-process instance.
final class IsolatedProcessor: RecordProcessor {
    let info: ComponentInfo
    let host: ComponentHost
    let child: PluginChild
    /// What the child holds: the held records' copies (a batch's held
    /// records copied together, each named by its index) and the host's pins.
    private var held = WireHolds<(batch: RecordBuffer, index: Int), UInt>()
    /// Why the last restore failed: the reason of a call made before the next one succeeds.
    private var restoreFailure = ""
    /// During `restore`: pins the new child's releases ended, ended only once every replay call succeeded.
    private var replayEnded: [UInt] = []
    /// Spaces the restores of a child that keeps dying on its replay (ticks would try at every interval).
    private var restoreBackoff: Backoff
    private var nextRestore: UInt64 = 0
    private var metrics: ChildMetrics

    /// - Parameter restoreBackoff: the engine's backoff (`initial_backoff_ms`, `max_backoff_ms`).
    init(info: ComponentInfo, host: ComponentHost, child: PluginChild, restoreBackoff: Backoff) {
        self.info = info
        self.host = host
        self.child = child
        self.restoreBackoff = restoreBackoff
        metrics = ChildMetrics(metrics: host.metrics, plugin: host.plugin, component: host.name, worker: host.worker)
    }

    var hasTick: Bool { info.hasTick }

    var needsRestore: Bool { held.needsReplay }

    func process(_ input: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status {
        guard !held.needsReplay else { return failAll(input.count, ctx, restoreFailure) }
        let request = IsolationWire.processRequest(input, port: port)
        switch call(request, "a process of \(input.count) record(s)", ctx, holds: .input(input, port: port)) {
        case let .success(answer):
            for f in answer.failures where f.index >= 0 && f.index < input.count {
                ctx.fail(f.index, f.retriable ? SLUICE_FAILURE_RETRIABLE : SLUICE_FAILURE_PERMANENT, f.reason)
            }
            return sluice_status(rawValue: UInt32(bitPattern: answer.status))
        case let .failure(died):
            return failAll(input.count, ctx, died.recordReason)
        }
    }

    private func failAll(_ count: Int, _ ctx: CallContext, _ reason: String) -> sluice_status {
        for i in 0 ..< count { ctx.fail(i, SLUICE_FAILURE_RETRIABLE, reason) }
        return SLUICE_RETRIABLE
    }

    /// Gives a new child the records the dead one held; what it emits goes
    /// to `ctx`, carrying the pins of every replayed record (each record's
    /// source waits for what was made from it again). False if the child
    /// died again: everything stays pinned for the next try.
    func restore(_ ctx: CallContext) -> Bool {
        guard held.needsReplay else { return true }
        guard Clock.monotonicNanos() >= nextRestore else { return false }
        // Undone whole if a replay call fails: its releases must not end pins
        // while what the new child made from the records is thrown away.
        let before = held
        replayEnded = []
        let pins = held.pins
        for output in 0 ..< ctx.outputCount { _ = ctx.attach(pins, output: output) }
        for run in held.replay() {
            let batch = RecordBuffer()
            for r in run.records { batch.append(from: r.batch, at: r.index) }
            let request = IsolationWire.processRequest(batch, port: run.port)
            switch call(request, "a replay of \(batch.count) held record(s)", ctx, holds: .replay(run.ids)) {
            case let .success(answer):
                if answer.status != SLUICE_OK.rawValue {
                    host.logger.warning("the replay of \(batch.count) held record(s) into its new plugin process returned status \(answer.status)")
                }
            case let .failure(died):
                held = before
                held.childDied()
                restoreFailure = "its plugin process could not be given the \(held.count) record(s) the last one held: \(died.recordReason)"
                nextRestore = Clock.monotonicNanos() + UInt64(restoreBackoff.nextDelayMillis()) * 1_000_000
                return false
            }
        }
        restoreBackoff.reset()
        let replayed = held.count
        for pin in replayEnded + held.replayed() { _ = host.holds.release(pin) }
        replayEnded = []
        host.logger.notice("gave its new plugin process the records the last one held; it holds \(held.count) of them again (\(replayed - held.count) released)")
        return true
    }

    func revoke(_ splits: [UInt32], port: Int, _ ctx: CallContext) -> sluice_status {
        // Records a dead child held of the revoked splits are not replayed:
        // the new owner of the splits reads them again.
        for pin in held.revoke(splits, port: port) { _ = host.holds.release(pin) }
        // A child started after the last one died has no state for the splits.
        guard child.isRunning else { return SLUICE_OK }
        var request = [IsolationWire.Request.revoke.rawValue]
        request.appendLittleEndian(UInt32(port))
        request.appendLittleEndian(UInt32(splits.count))
        for s in splits { request.appendLittleEndian(s) }
        return status(of: call(request, "a revocation of splits \(splits)", ctx, holds: .none))
    }

    func tick(now: Int64, _ ctx: CallContext) -> sluice_status {
        // As for revoke: a child that is not running holds nothing to emit.
        guard child.isRunning else { return SLUICE_OK }
        var request = [IsolationWire.Request.tick.rawValue]
        request.appendLittleEndian(UInt64(bitPattern: now))
        // A processor's host answers only at the last tick (`draining`): 0 before it.
        request.append(UInt8(truncatingIfNeeded: host.stoppingAnswer))
        return status(of: call(request, "a tick", ctx, holds: .none))
    }

    private func status(of result: Result<IsolationWire.CallAnswer, PluginChild.Died>) -> sluice_status {
        (try? result.get()).map { sluice_status(rawValue: UInt32(bitPattern: $0.status)) } ?? SLUICE_RETRIABLE
    }

    /// What the records a call's holds name are.
    private enum HoldInput {
        /// No input (tick, revoke): the plugin can only attach and release.
        case none
        /// A batch from the stage: a new hold pins its record in the host.
        case input(RecordBuffer, port: Int)
        /// A replay: record `i` of the call is held record `ids[i]`, already
        /// pinned; the pins its releases end wait in `replayEnded`.
        case replay([Int])
    }

    /// Sends a call and copies what the plugin emitted into `ctx`, and
    /// mirrors the holds it took, attached and ended; nothing is used when
    /// the child died (its holds are then replayed to the next one).
    private func call(_ request: [UInt8], _ name: String, _ ctx: CallContext, holds: HoldInput) -> Result<IsolationWire.CallAnswer, PluginChild.Died> {
        let result = child.call(request, name, read: IsolationWire.readCallAnswer)
        guard case let .success((answer, bytes)) = result else {
            held.childDied()
            return result.map { $0.answer }
        }
        _ = IsolationWire.decodeCallAnswer(bytes) { output, record in _ = record.emit(into: ctx, output: output, token: record.token) }
        metrics.record(answer.metrics)
        if answer.rejected > 0 {
            host.logger.error("\(answer.rejected) emit(s) refused in its plugin process: malformed BSON, an unknown output or an unknown hold")
        }
        let ended = mirror(answer, ctx, holds)
        if case .replay = holds {
            replayEnded += ended
        } else {
            for pin in ended { _ = host.holds.release(pin) }
        }
        return .success(answer)
    }

    /// Takes and attaches in the host what the child did with holds;
    /// returns the pins its releases ended, for the caller to end.
    private func mirror(_ answer: IsolationWire.CallAnswer, _ ctx: CallContext, _ holds: HoldInput) -> [UInt] {
        var refused = 0
        if !answer.taken.isEmpty {
            var recordOf: [Int: Int] = [:]
            var copies: RecordBuffer?
            for (handle, index) in answer.taken {
                let id: Int
                switch holds {
                case .none:
                    refused += 1
                    continue
                case let .replay(ids):
                    guard index >= 0, index < ids.count else { refused += 1; continue }
                    id = ids[index]
                case let .input(input, port):
                    if let known = recordOf[index] {
                        id = known
                    } else {
                        guard let pin = ctx.hold(index) else { refused += 1; continue }
                        let batch = copies ?? RecordBuffer()
                        copies = batch
                        batch.append(from: input, at: index)
                        id = held.add(pin: UInt(bitPattern: UnsafeRawPointer(pin)), port: port, split: input.split(at: index),
                                      record: (batch, batch.count - 1))
                        recordOf[index] = id
                    }
                }
                if !held.hold(handle, record: id) { refused += 1 }
            }
        }
        var byOutput: [Int: [UInt]] = [:]
        for (output, handle) in answer.attached {
            guard let pin = held.pin(of: handle) else { refused += 1; continue }
            byOutput[output, default: []].append(pin)
        }
        for (output, pins) in byOutput where !ctx.attach(pins, output: output) { refused += pins.count }
        var ended: [UInt] = []
        for handle in answer.released {
            let (pin, known) = held.release(handle)
            if !known { refused += 1 }
            if let pin { ended.append(pin) }
        }
        if refused > 0 {
            host.logger.error("\(refused) hold(s) its plugin process reported could not be mirrored in the host (out of range, unknown or reused); ignored")
        }
        return ended
    }
}
