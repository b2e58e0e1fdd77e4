import CSluicePlugin

/// The host's services, as seen by one component instance.
public struct PluginHost: @unchecked Sendable {
    let api: UnsafePointer<sluice_host_api>

    public init(_ api: UnsafePointer<sluice_host_api>) { self.api = api }

    public enum LogLevel: UInt32, Sendable {
        case trace = 0, debug, info, warning, error
    }

    public func log(_ level: LogLevel, _ message: String) {
        message.withCString { api.pointee.log(api.pointee.host_data, sluice_log_level(level.rawValue), $0) }
    }

    /// Monotonic nanoseconds, for rates and timeouts.
    public var monotonicNanos: UInt64 { api.pointee.monotonic_ns(api.pointee.host_data) }

    /// Wall-clock milliseconds since the Unix epoch.
    public var wallMillis: Int64 { api.pointee.wall_ms(api.pointee.host_data) }

    /// True once the host is draining: long waits should return.
    public var isStopping: Bool { api.pointee.stopping(api.pointee.host_data) != 0 }

    /// A counter, gauge or histogram named under this component.
    public func metric(_ kind: Metric.Kind, _ name: String, help: String? = nil) -> Metric {
        let handle = name.withCString { n in
            if let help {
                return help.withCString { api.pointee.metric(api.pointee.host_data, sluice_metric_kind(kind.rawValue), n, $0) }
            }
            return api.pointee.metric(api.pointee.host_data, sluice_metric_kind(kind.rawValue), n, nil)
        }
        return Metric(api: api, handle: handle)
    }
}

/// A metric handle; recording is cheap and thread-safe.
public struct Metric: @unchecked Sendable {
    public enum Kind: UInt32, Sendable {
        case counter = 1, gauge, histogram
    }

    let api: UnsafePointer<sluice_host_api>
    let handle: OpaquePointer?

    /// Adds (counter), sets (gauge) or observes (histogram).
    public func record(_ value: Double) {
        guard let handle else { return }
        api.pointee.metric_record(handle, value)
    }
}
