import Foundation
import Synchronization

/// A metric registered by the engine or a plugin.
public final class MetricValue: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public let name: String
    public let help: String
    public let kind: Kind
    private let state = Mutex<(value: Double, count: Int, sum: Double)>((0, 0, 0))

    init(name: String, help: String, kind: Kind) {
        self.name = name
        self.help = help
        self.kind = kind
    }

    /// Adds (counter), sets (gauge) or observes (histogram: count and sum).
    public func record(_ v: Double) {
        state.withLock { s in
            switch kind {
            case .counter: s.value += v
            case .gauge: s.value = v
            case .histogram:
                s.count += 1
                s.sum += v
                s.value = v
            }
        }
    }

    public var value: Double { state.withLock { $0.value } }
    public var observations: (count: Int, sum: Double) { state.withLock { ($0.count, $0.sum) } }
}

/// Every metric of a run, named `sluice_<component>_<name>` (Prometheus style).
public final class MetricsRegistry: Sendable {
    private let metrics = Mutex<[String: MetricValue]>([:])

    public init() {}

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || ($0 >= 65 && $0 <= 90) }
    }

    /// Finds or creates a metric; nil if the name is not a valid metric name
    /// or is already registered with another kind.
    public func metric(component: String, name: String, help: String, kind: MetricValue.Kind) -> MetricValue? {
        guard Self.isValidName(name) else { return nil }
        let safe = component.replacingOccurrences(of: "-", with: "_")
        let full = "sluice_\(safe)_\(name)"
        return metrics.withLock { m in
            if let existing = m[full] { return existing.kind == kind ? existing : nil }
            let created = MetricValue(name: full, help: help, kind: kind)
            m[full] = created
            return created
        }
    }

    public func all() -> [MetricValue] {
        metrics.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// Prometheus text exposition format, for a `/metrics` endpoint.
    public func prometheusText() -> String {
        var out = ""
        for m in all() {
            out += "# HELP \(m.name) \(m.help)\n"
            switch m.kind {
            case .histogram:
                out += "# TYPE \(m.name) summary\n"
                let o = m.observations
                out += "\(m.name)_count \(o.count)\n\(m.name)_sum \(o.sum)\n"
            default:
                out += "# TYPE \(m.name) \(m.kind.rawValue)\n\(m.name) \(m.value)\n"
            }
        }
        return out
    }
}
