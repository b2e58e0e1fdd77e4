import SluiceSDK

/// `file.discard`: accepts and drops every record, like Vector's blackhole
/// sink: for benchmarks, dry runs, and pipelines whose value is in their
/// processors' side effects. Counts what it dropped.
public final class DiscardSink: Sink {
    public static let name = "discard"
    public static let summary = "Drops every record (benchmarks, dry runs); counts them"
    public static let configSchema = #"{"type": "object", "additionalProperties": false}"#

    let dropped: Metric

    public required init(config: Config, host: PluginHost) throws {
        dropped = host.metric(.counter, "discarded_records_total", help: "records accepted and dropped")
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        dropped.record(Double(batch.count))
    }
}
