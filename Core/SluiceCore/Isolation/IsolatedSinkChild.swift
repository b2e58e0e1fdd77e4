import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

/// The child side of `isolation: process` (`sluice isolate`): loads one
/// plugin, creates one sink component with the config the host sends, and
/// answers the host's requests until it closes stdin.
public enum IsolatedSinkChild {
    /// Serves the host on stdin and stdout; returns the exit status.
    public static func serve(pluginPath: String, component: String, name: String, logger: Logger) -> Int32 {
        // stdout carries only answers: whatever the plugin prints goes to stderr.
        let answers = dup(1)
        dup2(2, 1)
        guard let config = IsolationWire.readString(0) else { return 1 }
        func started(_ status: IsolationWire.Started, _ message: String) -> Bool {
            var out = [status.rawValue]
            IsolationWire.put(message, into: &out)
            return ByteIO.writeAll(answers, out)
        }
        let instance: ComponentInstance
        do {
            // The host checked where the plugin lies before it started this child.
            let plugin = try PluginLoader().load(path: pluginPath, alsoUnder: [(pluginPath as NSString).deletingLastPathComponent])
            guard let info = plugin.component(component), info.role == .sink else {
                _ = started(.config, "\(pluginPath) has no sink component \(component.debugDescription)")
                return 1
            }
            guard case let .object(object) = try JSONParser.parse(config) else {
                _ = started(.config, "the config is not a JSON object")
                return 1
            }
            let host = ComponentHost(name: name, plugin: plugin.name, role: .sink, inputs: [], stateDirectory: nil,
                                     logger: logger, metrics: RunMetrics(pipeline: name), control: EngineControl(maxRecords: nil))
            instance = try ComponentInstance.create(info, config: object, host: host)
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
            switch IsolationWire.Request(rawValue: kind[0]) {
            case .write:
                guard let head = ByteIO.readExactly(0, BufferFrame.headerSize),
                      let header = head.withUnsafeBytes(BufferFrame.header),
                      let payload = ByteIO.readExactly(0, header.payloadLength),
                      let (records, port) = payload.withUnsafeBytes({ BufferFrame.decode($0, header: header) })
                else { return 1 }
                let ctx = CallContext(output: nil, input: records)
                let status = instance.write(records, port: port, ctx)
                guard ByteIO.writeAll(answers, IsolationWire.writeAnswer(status: Int32(bitPattern: status.rawValue), failures: ctx.failures)) else { return 1 }
            case .flush:
                var out: [UInt8] = []
                out.appendLittleEndian(instance.flush().rawValue)
                guard ByteIO.writeAll(answers, out) else { return 1 }
            case .close, nil:
                return 0
            }
        }
        return 0
    }
}
