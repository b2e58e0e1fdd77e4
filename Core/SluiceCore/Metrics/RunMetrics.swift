import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// Every metric of one run, on swift-metrics with a swift-prometheus
/// registry as the backend: the engine's per-component series, the loader's
/// plugin load times and every plugin metric from the C ABI. Plugin metrics
/// go to the registry directly (swift-metrics has no help text); the sinks'
/// per-record end-to-end histograms are kept apart (`LatencyHistogram`) and
/// written after the registry's page.
///
/// One registry per run, not the process-wide `MetricsSystem`, so that tests
/// can run several engines in one process; the host also bootstraps
/// `MetricsSystem` with `factory`, so any library that uses swift-metrics
/// reports onto the same page.
public final class RunMetrics: Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The `pipeline` label of every series.
    public let pipeline: String
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    private let plugins = Mutex<PluginTable>(PluginTable())
    private let latencies = Mutex<[LatencyHistogram]>([])
    /// An isolated child's: plugin metrics keep what they record for the
    /// host (`PluginMetric.takeRecorded`), whose `/metrics` shows them.
    private let forHost: Bool

    /// - Parameter forHost: in an isolated child (`sluice isolate`): plugin metrics are sent to the host.
    public init(pipeline: String, forHost: Bool = false) {
        self.pipeline = pipeline
        self.forHost = forHost
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [MetricNames.batchDuration: Buckets.batchDuration]
        self.factory = factory
    }

    /// The series of one component.
    func stage(name: String, role: ComponentRole) -> StageMetrics {
        let labels = [("pipeline", pipeline), ("component", name), ("kind", role.rawValue)]
        var endToEnd: LatencyHistogram?
        if role == .sink {
            let histogram = LatencyHistogram(labels: labels, bounds: Buckets.endToEndLatency)
            latencies.withLock { $0.append(histogram) }
            endToEnd = histogram
        }
        return StageMetrics(name: name, role: role, labels: labels, factory: factory, endToEnd: endToEnd)
    }

    /// The records counter of one wire of the graph (for per-edge rates).
    func edge(from: String, output: String?, to: String) -> EdgeCounter {
        EdgeCounter(counter: CoreMetrics.Counter(
            label: MetricNames.edgeRecords,
            dimensions: [("pipeline", pipeline), ("from", from), ("output", output ?? "default"), ("to", to)], factory: factory))
    }

    /// How long the loader took to check, open and enter a plugin.
    public func pluginLoaded(_ plugin: String, seconds: Double) {
        CoreMetrics.Gauge(label: MetricNames.pluginLoad, dimensions: [("plugin", plugin)], factory: factory).record(seconds)
    }

    /// Finds or creates a plugin metric, named `sluice_<plugin>_<name>` with
    /// labels `pipeline`, `component`, `worker` (a component's instance, when
    /// it has several workers) and any the plugin gave. nil when the
    /// name is malformed or already registered with another kind.
    public func pluginMetric(plugin: String, component: String, name text: String, help: String, kind: PluginMetric.Kind,
                             worker: Int? = nil) -> PluginMetric?
    {
        guard let parsed = MetricName(parsing: text) else { return nil }
        let prefix = plugin.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        let full = "sluice_\(prefix)_\(parsed.name)"
        guard !MetricNames.engineOwned(full) else { return nil }
        let labels = [("pipeline", pipeline), ("component", component)] + (worker.map { [("worker", "\($0)")] } ?? []) + parsed.labels
        return plugins.withLock { table -> PluginMetric? in
            let key = full + "\u{0}" + labels.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{0}")
            if let existing = table.byKey[key] { return existing.kind == kind ? existing : nil }
            // swift-prometheus traps on a second kind or help text for one name: refuse the first, reuse the help.
            if let family = table.families[full], family.kind != kind { return nil }
            let help = table.families[full]?.help ?? help
            table.families[full] = (kind, help)
            let descriptor = MetricNameDescriptor(metricName: full, unitName: "", helpText: help)
            let series: PluginMetric.Series
            switch kind {
            case .counter: series = .counter(registry.makeCounter(descriptor: descriptor, labels: labels))
            case .gauge: series = .gauge(registry.makeGauge(descriptor: descriptor, labels: labels))
            case .histogram: series = .histogram(registry.makeValueHistogram(descriptor: descriptor, labels: labels, buckets: Buckets.pluginValues))
            }
            let metric = PluginMetric(name: full, component: component, series: series, registered: forHost ? (text, help) : nil)
            table.byKey[key] = metric
            return metric
        }
    }

    /// Every plugin metric registered so far.
    public var pluginMetrics: [PluginMetric] { plugins.withLock { Array($0.byKey.values) } }

    /// The page for `GET /metrics`, in the Prometheus text format 0.0.4.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        let latencies = latencies.withLock { $0 }
        if !latencies.isEmpty {
            let name = MetricNames.endToEndLatency
            buffer.append(contentsOf: "# HELP \(name) event time to the sink's write, per written record that has an event time\n".utf8)
            buffer.append(contentsOf: "# TYPE \(name) histogram\n".utf8)
            for histogram in latencies { histogram.emit(name: name, into: &buffer) }
        }
        return String(decoding: buffer, as: UTF8.self)
    }

    private struct PluginTable {
        var byKey: [String: PluginMetric] = [:]
        var families: [String: (kind: PluginMetric.Kind, help: String)] = [:]
    }
}
