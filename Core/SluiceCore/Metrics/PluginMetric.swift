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
    /// In an isolated child: the name the plugin registered (labels
    /// included), its help, and what was recorded since the last
    /// `takeRecorded`, for the host to record in its own series.
    let registered: (name: String, help: String)?
    /// Used only with `registered` (a Mutex is not kept in an Optional: it must not move).
    private let recorded = Mutex(Recorded())

    private struct Recorded {
        /// A counter's sum, a gauge's last value, a histogram's observations.
        var values: [Double] = []
        /// Sent to the host at least once (a counter at 0 appears there too).
        var announced = false
    }

    /// - Parameter registered: in an isolated child, the plugin's name and help: what it records is also kept for `takeRecorded`.
    init(name: String, component: String, series: Series, registered: (name: String, help: String)? = nil) {
        self.name = name
        self.component = component
        self.series = series
        self.registered = registered
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
        guard registered != nil else { return }
        recorded.withLock { r in
            switch series {
            case .counter: if value >= 0 { r.values = [(r.values.first ?? 0) + value] }
            case .gauge: r.values = [value]
            case .histogram: r.values.append(value)
            }
        }
    }

    /// What was recorded since the last call (a counter's increase, a
    /// gauge's last value, a histogram's observations); nil when nothing
    /// was and the metric was announced already. Only with `registered`.
    func takeRecorded() -> [Double]? {
        guard registered != nil else { return nil }
        return recorded.withLock { r in
            guard !r.values.isEmpty || !r.announced else { return nil }
            defer { r = Recorded(values: [], announced: true) }
            return r.values
        }
    }

    /// The current value of a gauge (0 for other kinds).
    public var gaugeValue: Double { Double(bitPattern: lastGauge.load(ordering: .relaxed)) }
}
