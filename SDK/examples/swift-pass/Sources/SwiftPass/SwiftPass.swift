import SluiceSDK

/// Forwards every record unchanged; edit process() to transform them.
public final class Pass: Processor {
    public static let name = "pass"
    public static let summary = "Forwards every record unchanged"
    public static let configSchema = #"{"type":"object","additionalProperties":false}"#

    let seen: Metric

    public required init(config: Config, host: PluginHost) throws {
        seen = host.metric(.counter, "records_seen_total", help: "records processed")
    }

    public func process(_ batch: Batch, _ output: Output) throws {
        for record in batch { output.forward(record) }
        seen.record(Double(batch.count))
    }
}

let plugin = PluginExport(name: "swift-pass", version: "0.1.0", summary: "A pass-through processor",
                          components: [.processor(Pass.self)])

@_cdecl("sluice_swift_pass_descriptor")
public func descriptor() -> UnsafeRawPointer { plugin.raw }
