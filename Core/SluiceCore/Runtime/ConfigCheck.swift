import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

extension ComponentInfo {
    /// Asks the component about a config without creating it (ABI 1.2
    /// `check`): the problems it reports, one per line, each normally led by
    /// the config key it is about. Empty when the component has no `check`
    /// or accepts the config.
    ///
    /// - Parameter workers: the component's `workers:` (the table's
    ///   `worker_count`), so a source can refuse a config it cannot split.
    func check(config: JSONObject, name: String, plugin: String, inputs: [String], workers: Int = 1, logger: Logger) -> [String] {
        guard hasCheck, let check = descriptor.pointee.check else { return [] }
        // A registry of its own: what the component records while checking is dropped.
        // Nothing stops during a check, so the ABI minor that shapes `stopping` does not matter.
        let host = ComponentHost(name: name, plugin: plugin, pluginABIMinor: PluginLoader.abiMinor, role: role, inputs: inputs,
                                 stateDirectory: nil, workerCount: workers, logger: logger,
                                 metrics: RunMetrics(pipeline: "check"), control: EngineControl(maxRecords: nil))
        var error = [CChar](repeating: 0, count: 16384)
        let capacity = error.count
        let status = JSONWriter.string(.object(config)).withCString { json in
            check(descriptor, json, host.api, &error, capacity)
        }
        guard status != SLUICE_OK else { return [] }
        let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let lines = message.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        return lines.isEmpty ? ["the component refused its config (status \(status.rawValue))"] : lines
    }
}
