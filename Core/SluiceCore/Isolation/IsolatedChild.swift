import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

/// The child side of `isolation: process` (`sluice isolate`): loads one
/// plugin, creates one component with what the host's
/// `Hello` says, and answers the host's requests until it closes stdin.
public enum IsolatedChild {
    /// Serves the host over the wire it was started with (`WireChannel`:
    /// control frames on stdin and stdout, the shared regions at descriptors
    /// 3 and 4); returns the exit status.
    public static func serve(pluginPath: String, component: String, name: String, logger: Logger) -> Int32 {
        // stdout carries only control frames: whatever the plugin prints goes to stderr.
        let answers = dup(1)
        dup2(2, 1)
        let channel: WireChannel
        do {
            channel = try WireChannel(outgoing: SharedRegion(fd: WireChannel.childAnswerRegion, role: .writer), sendPipe: answers,
                                      incoming: SharedRegion(fd: WireChannel.childRequestRegion, role: .reader), receivePipe: 0)
        } catch {
            logger.error("this mode is started by a sluice host, with its shared memory: \(error)")
            return 1
        }
        guard let text = channel.receive().flatMap(IsolationWire.readString) else { return 1 }
        func started(_ status: IsolationWire.Started, _ message: String) -> Bool {
            var out = [status.rawValue]
            IsolationWire.put(message, into: &out)
            return channel.send(out)
        }
        let instance: ComponentInstance
        do {
            // The host checked where the plugin lies before it started this child.
            let plugin = try PluginLoader().load(path: pluginPath, alsoUnder: [(pluginPath as NSString).deletingLastPathComponent])
            guard let info = plugin.component(component) else {
                _ = started(.config, "\(pluginPath) has no component \(component.debugDescription)")
                return 1
            }
            guard let hello = IsolationWire.Hello(json: text) else {
                _ = started(.config, "the host's hello is not what this sluice expects (is the child binary the host's?)")
                return 1
            }
            let host = ComponentHost(name: name, plugin: plugin.name, pluginABIMinor: plugin.note.abiMinor, role: info.role, inputs: hello.inputs,
                                     stateDirectory: hello.stateDirectory, outputWired: hello.outputWired,
                                     worker: hello.workerCount > 1 ? hello.worker : nil, workerCount: hello.workerCount, logger: logger,
                                     metrics: RunMetrics(pipeline: name, forHost: true), control: EngineControl(maxRecords: nil), journalsHolds: true)
            instance = try ComponentInstance.create(info, config: hello.config, host: host)
        } catch let ComponentInstance.CreateError.retriable(message) {
            _ = started(.retriable, message)
            return 1
        } catch let ComponentInstance.CreateError.config(message) {
            _ = started(.config, message)
            return 1
        } catch {
            _ = started(.config, "\(error)")
            return 1
        }
        defer { instance.destroy() }
        guard started(.ok, "") else { return 1 }
        while let message = channel.receive() {
            switch message.withUnsafeBytes({ b -> Reply in var r = WireCursor(b); return reply(to: &r, instance) }) {
            case let .answer(answer): guard channel.send(answer) else { return 1 }
            case .close: return 0
            case .malformed: return 1
            }
        }
        return 0
    }

    /// What the child does with a request.
    private enum Reply {
        case answer([UInt8])
        case close
        /// The request does not parse: the child ends (the host sees it gone).
        case malformed
    }

    /// Makes the call a request asks for and encodes its answer.
    private static func reply(to r: inout WireCursor, _ instance: ComponentInstance) -> Reply {
        guard let kind = r.u8() else { return .malformed }
        switch IsolationWire.Request(rawValue: kind) {
        case .write:
            guard let (records, port) = readFrame(&r), r.isAtEnd else { return .malformed }
            let ctx = CallContext(output: nil, input: records)
            let status = instance.write(records, port: port, ctx)
            return .answer(IsolationWire.writeAnswer(status: Int32(bitPattern: status.rawValue), failures: ctx.failures,
                                                     metrics: IsolationWire.MetricUpdate.taken(from: instance.host.metrics)))
        case .flush:
            return .answer(withUnsafeBytes(of: instance.flush().rawValue.littleEndian) { Array($0) })
        case .process:
            guard let (records, port) = IsolationWire.readProcessRequest(&r) else { return .malformed }
            return .answer(processorCall(instance, input: records) { instance.process(records, port: port, $0) })
        case .tick:
            guard let now = r.u64(), let last = r.u8(), r.isAtEnd else { return .malformed }
            if last == 2 { instance.host.stopRequested.store(true, ordering: .releasing) }
            if last != 0 { instance.host.draining.store(true, ordering: .releasing) }
            return .answer(processorCall(instance, input: nil) { instance.tick(now: Int64(bitPattern: now), $0) })
        case .revoke:
            guard let port = r.u32(), let count = r.u32() else { return .malformed }
            var splits: [UInt32] = []
            for _ in 0 ..< count {
                guard let s = r.u32() else { return .malformed }
                splits.append(s)
            }
            guard r.isAtEnd else { return .malformed }
            return .answer(processorCall(instance, input: nil) { instance.revoke(splits, port: Int(port), $0) })
        case .poll:
            guard let most = r.u32(), let timeout = r.u32(), let stopping = r.u8(), r.isAtEnd else { return .malformed }
            // A source's `stopping` answers yes once the run stops, as in the host.
            if stopping != 0 {
                instance.host.stopRequested.store(true, ordering: .releasing)
                instance.host.draining.store(true, ordering: .releasing)
            }
            let records = RecordBuffer()
            let ctx = CallContext(output: records, input: nil)
            let status = instance.poll(ctx, maxRecords: Int(most), timeoutMillis: Int(timeout))
            let result = IsolationWire.CallAnswer(status: Int32(bitPattern: status.rawValue), failures: ctx.failures, rejected: ctx.rejected,
                                                  revocations: ctx.revocations, metrics: IsolationWire.MetricUpdate.taken(from: instance.host.metrics))
            return .answer(IsolationWire.encode(result, outputs: [records]))
        case .ack:
            guard let count = r.u32() else { return .malformed }
            var tokens: [UInt64] = []
            for _ in 0 ..< count {
                guard let t = r.u64() else { return .malformed }
                tokens.append(t)
            }
            guard r.isAtEnd else { return .malformed }
            instance.ack(tokens)
            return .answer([0, 0, 0, 0])
        case .close:
            return .close
        case nil:
            return .malformed
        }
    }

    /// A `BufferFrame` from the host.
    private static func readFrame(_ r: inout WireCursor) -> (RecordBuffer, port: Int)? {
        guard let head = r.bytes(BufferFrame.headerSize), let header = BufferFrame.header(head),
              let payload = r.bytes(header.payloadLength)
        else { return nil }
        return BufferFrame.decode(payload, header: header)
    }

    /// Makes one processor call and encodes what it emitted and failed, and
    /// the holds it took, attached and (then or since the last call) ended.
    private static func processorCall(_ instance: ComponentInstance, input: RecordBuffer?, _ call: (CallContext) -> sluice_status) -> [UInt8] {
        let outputCount = 1 + instance.info.outputs.count
        let ctx = CallContext(input: input, outputCount: outputCount, tickets: [], holds: instance.host.holds, journalsHolds: true)
        let status = call(ctx)
        let outputs = (0 ..< outputCount).map { ctx.result($0) ?? RecordBuffer() }
        let attached = ctx.attachedHolds.enumerated().flatMap { output, holds in holds.map { (output, UInt64($0)) } }
        let answer = IsolationWire.CallAnswer(status: Int32(bitPattern: status.rawValue), failures: ctx.failures, rejected: ctx.rejected,
                                              taken: ctx.heldInputs.map { (UInt64($0.hold), $0.index) }, attached: attached,
                                              released: instance.host.holds.takeReleased().map { UInt64($0) },
                                              metrics: IsolationWire.MetricUpdate.taken(from: instance.host.metrics))
        return IsolationWire.encode(answer, outputs: outputs)
    }
}
