/// Records what an isolated component's plugin recorded in its metrics in
/// the child (`IsolationWire.MetricUpdate`) in the host's series: the same
/// names and labels (`pipeline`, `component`, `worker`, the plugin's own)
/// as an in-process instance's, so `/metrics` does not tell them apart.
///
/// Used by its stage's thread only.
struct ChildMetrics {
    let metrics: RunMetrics
    let plugin: String
    let component: String
    let worker: Int?
    /// The host's series by the name the plugin registered.
    private var series: [String: PluginMetric] = [:]

    init(metrics: RunMetrics, plugin: String, component: String, worker: Int?) {
        self.metrics = metrics
        self.plugin = plugin
        self.component = component
        self.worker = worker
    }

    mutating func record(_ updates: [IsolationWire.MetricUpdate]) {
        for update in updates {
            // nil as in the host: a malformed name, or one taken by another kind.
            guard let metric = series[update.name] ?? metrics.pluginMetric(plugin: plugin, component: component, name: update.name,
                                                                            help: update.help, kind: update.kind, worker: worker)
            else { continue }
            series[update.name] = metric
            for value in update.values { metric.record(value) }
        }
    }
}
