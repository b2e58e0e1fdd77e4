import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

/// The child side of `isolation: process` (`sluice isolate`): loads one
/// plugin, creates one component with what the host's
/// `Hello` says, and answers the host's requests until it closes stdin.
public enum IsolatedChild {
    /// Serves the host on stdin and stdout; returns the exit status.
    public static func serve(pluginPath: String, component: String, name: String, logger: Logger) -> Int32 {
        // stdout carries only answers: whatever the plugin prints goes to stderr.
        let answers = dup(1)
        dup2(2, 1)
        guard let text = IsolationWire.readString(0) else { return 1 }
        func started(_ status: IsolationWire.Started, _ message: String) -> Bool {
            var out = [status.rawValue]
            IsolationWire.put(message, into: &out)
            return ByteIO.writeAll(answers, out)
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
            let host = ComponentHost(name: name, plugin: plugin.name, role: info.role, inputs: hello.inputs,
                                     stateDirectory: hello.stateDirectory, outputWired: hello.outputWired, logger: logger,
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
        while let kind = ByteIO.readExactly(0, 1) {
            let answer: [UInt8]
            switch IsolationWire.Request(rawValue: kind[0]) {
            case .write:
                guard let (records, port) = readFrame() else { return 1 }
                let ctx = CallContext(output: nil, input: records)
                let status = instance.write(records, port: port, ctx)
                answer = IsolationWire.writeAnswer(status: Int32(bitPattern: status.rawValue), failures: ctx.failures,
                                                   metrics: IsolationWire.MetricUpdate.taken(from: instance.host.metrics))
            case .flush:
                answer = withUnsafeBytes(of: instance.flush().rawValue.littleEndian) { Array($0) }
            case .process:
                guard let (records, port) = IsolationWire.readProcessRequest(0) else { return 1 }
                answer = processorCall(instance, input: records) { instance.process(records, port: port, $0) }
            case .tick:
                guard let now = ByteIO.readExactly(0, 8), let last = ByteIO.readExactly(0, 1) else { return 1 }
                if last[0] != 0 { instance.host.draining.store(true, ordering: .releasing) }
                let millis = now.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
                answer = processorCall(instance, input: nil) { instance.tick(now: millis, $0) }
            case .revoke:
                guard let port = IsolationWire.readUInt32(0), let count = IsolationWire.readUInt32(0) else { return 1 }
                var splits: [UInt32] = []
                for _ in 0 ..< count {
                    guard let s = IsolationWire.readUInt32(0) else { return 1 }
                    splits.append(s)
                }
                answer = processorCall(instance, input: nil) { instance.revoke(splits, port: Int(port), $0) }
            case .poll:
                guard let most = IsolationWire.readUInt32(0), let timeout = IsolationWire.readUInt32(0),
                      let stopping = ByteIO.readExactly(0, 1)
                else { return 1 }
                // A source's `stopping` answers yes once the run stops, as in the host.
                if stopping[0] != 0 { instance.host.draining.store(true, ordering: .releasing) }
                let records = RecordBuffer()
                let ctx = CallContext(output: records, input: nil)
                let status = instance.poll(ctx, maxRecords: Int(most), timeoutMillis: Int(timeout))
                let result = IsolationWire.CallAnswer(status: Int32(bitPattern: status.rawValue), failures: ctx.failures, rejected: ctx.rejected,
                                                      revocations: ctx.revocations, metrics: IsolationWire.MetricUpdate.taken(from: instance.host.metrics))
                answer = IsolationWire.encode(result, outputs: [records])
            case .ack:
                guard let count = IsolationWire.readUInt32(0), let bytes = ByteIO.readExactly(0, Int(count) * 8) else { return 1 }
                let tokens = bytes.withUnsafeBytes { b in (0 ..< Int(count)).map { UInt64(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) } }
                instance.ack(tokens)
                answer = [0, 0, 0, 0]
            case .close, nil:
                return 0
            }
            guard ByteIO.writeAll(answers, answer) else { return 1 }
        }
        return 0
    }

    /// A `BufferFrame` from the host.
    private static func readFrame() -> (RecordBuffer, port: Int)? {
        guard let head = ByteIO.readExactly(0, BufferFrame.headerSize), let header = head.withUnsafeBytes(BufferFrame.header),
              let payload = ByteIO.readExactly(0, header.payloadLength)
        else { return nil }
        return payload.withUnsafeBytes { BufferFrame.decode($0, header: header) }
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
