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

/// Reads several inputs (ABI 1.1 input ports): records of the first go on
/// to the default output, those of any other input to the output `rest`.
public final class Route: Processor {
    public static let name = "route"
    public static let summary = "First input to the default output, the others to output rest"
    public static let configSchema = #"{"type":"object","additionalProperties":false}"#
    public static let outputs = ["rest"]
    static let rest = outputIndex("rest")!

    public required init(config: Config, host: PluginHost) throws {
        guard host.inputNames.count >= 2 else {
            throw SluiceError.config("route reads two or more inputs; it has \(host.inputNames)")
        }
    }

    public func process(_ batch: Batch, _ output: Output) throws {
        for record in batch {
            if batch.inputPort == 0 {
                output.forward(record)
            } else {
                output.emit(record.document.bytes, inputIndex: record.index, output: Self.rest)
            }
        }
    }
}

let plugin = PluginExport(name: "swift-pass", version: "0.1.0", summary: "A pass-through and a two-input processor",
                          components: [.processor(Pass.self), .processor(Route.self)])

@_cdecl("sluice_swift_pass_descriptor")
public func descriptor() -> UnsafeRawPointer { plugin.raw }
