/// The engine's metric names, in one place for the status server, the
/// dashboards in examples/monitoring and their test.
public enum MetricNames {
    /// Counter `{pipeline,component,kind,outcome}`; outcome is `in`, `out`,
    /// `dead_lettered` or `retried`. For a sink, `out` is what it wrote.
    public static let records = "sluice_component_records_total"
    public static let batches = "sluice_component_batches_total"
    /// Histogram (seconds): one poll, process or write of a batch, retries included.
    public static let batchDuration = "sluice_component_batch_duration_seconds"
    /// Histogram (seconds), sinks only: record event time to the sink's
    /// successful write, one observation per written record that has an event time.
    public static let endToEndLatency = "sluice_component_end_to_end_latency_seconds"
    /// Gauge: batches waiting in the component's inbox, sampled at each scrape.
    public static let queueDepth = "sluice_component_queue_depth"
    public static let queueCapacity = "sluice_component_queue_capacity"
    /// Counter (seconds): time the component waited for room in a full downstream inbox.
    public static let backpressure = "sluice_component_backpressure_seconds_total"
    /// Gauge: 1 when the component counts as ready (see `/ready`).
    public static let ready = "sluice_component_ready"
    /// Counter `{pipeline,from,output,to}`: records sent along one wire.
    public static let edgeRecords = "sluice_edge_records_total"
    /// Gauge `{plugin}` (seconds): checking, opening and entering a plugin.
    public static let pluginLoad = "sluice_plugin_load_duration_seconds"

    /// Families a plugin metric may not take (a plugin named `component` would collide).
    static func engineOwned(_ name: String) -> Bool {
        ["sluice_component_", "sluice_edge_", "sluice_plugin_"].contains { name.hasPrefix($0) }
    }
}

/// Histogram buckets, fixed per family (a family's buckets cannot change once registered).
enum Buckets {
    static let batchDuration: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// Seconds. Fewer than the batch buckets: an observation, one per record, is compared with each up to its own.
    static let endToEndLatency: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600]
    static let pluginValues: [Double] = [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000, 100_000]
}
