import Prometheus
import Synchronization

/// One metric a plugin registered through `host->metric`, recorded through
/// `host->metric_record`: a swift-prometheus series of the run's registry.
public final class PluginMetric: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    enum Series: Sendable {
        case counter(Prometheus.Counter)
        case gauge(Prometheus.Gauge)
        case histogram(ValueHistogram)
    }

    public let name: String
    public let component: String
    let series: Series
    /// The last gauge value (bit pattern), for in-process readers such as
    /// `/api/topology`; swift-prometheus exposes values only as text.
    private let lastGauge = Atomic<UInt64>(0)

    init(name: String, component: String, series: Series) {
        self.name = name
        self.component = component
        self.series = series
    }

    public var kind: Kind {
        switch series {
        case .counter: .counter
        case .gauge: .gauge
        case .histogram: .histogram
        }
    }

    /// Adds (counter), sets (gauge) or observes (histogram). A plugin's bad
    /// value (negative for a counter, not finite) is dropped: swift-prometheus
    /// would trap on a negative increment, and a plugin never aborts the host.
    public func record(_ value: Double) {
        guard value.isFinite else { return }
        switch series {
        case let .counter(c): if value >= 0 { c.increment(by: value) }
        case let .gauge(g):
            g.set(to: value)
            lastGauge.store(value.bitPattern, ordering: .relaxed)
        case let .histogram(h): h.record(value)
        }
    }

    /// The current value of a gauge (0 for other kinds).
    public var gaugeValue: Double { Double(bitPattern: lastGauge.load(ordering: .relaxed)) }
}
