import CSluicePlugin

/// The host's services, as seen by one component instance.
///
/// `@unchecked Sendable`: `api` points at the host's table, immutable while the
/// instance exists; the functions it holds are tagged thread-safe in the header.
public struct PluginHost: @unchecked Sendable {
    let api: UnsafePointer<sluice_host_api>

    public init(_ api: UnsafePointer<sluice_host_api>) { self.api = api }

    /// Whether both values are the same instance's services.
    public func isSame(as other: PluginHost) -> Bool { api == other.api }

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

    /// Sources and sinks: true once the host is draining (long waits should
    /// return). Processors: true only during the last tick, after every
    /// input ended (emit what is left, write the snapshot).
    public var isStopping: Bool { api.pointee.stopping(api.pointee.host_data) != 0 }

    /// Stopping because a stop was requested (SIGINT, SIGTERM, `--duration`, `--max-records` used up),
    /// not because the inputs ended: a processor's last tick may then leave
    /// its state for a restart to replay. False before ABI 1.7.
    public var isStopRequested: Bool { api.pointee.stopping(api.pointee.host_data) == 2 }

    /// The names in this instance's `inputs:` list, in manifest order
    /// (`Batch.inputPort` indexes it); empty on a host older than ABI 1.1.
    public var inputNames: [String] {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.inputs), let inputs = api.pointee.inputs else { return [] }
        return (0 ..< api.pointee.input_count).map { inputs[$0].map { String(cString: $0) } ?? "" }
    }

    /// This instance's directory for snapshots that must survive a restart,
    /// created by the host; nil for sources and sinks, and on a host older than ABI 1.1.
    public var stateDirectory: String? {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.state_dir) else { return nil }
        return api.pointee.state_dir.map { String(cString: $0) }
    }

    /// This instance's index among the component's `workers: N` instances
    /// (ABI 1.5), `0 ..< workerCount`; 0 on an older host, which runs one.
    public var workerIndex: Int {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.worker_index) else { return 0 }
        return Int(api.pointee.worker_index)
    }

    /// How many instances the component runs (`workers:`, ABI 1.5); 1 on an older host.
    public var workerCount: Int {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.worker_count) else { return 1 }
        return max(1, Int(api.pointee.worker_count))
    }

    /// Processors (ABI 1.3): whether the manifest gives output `index` (0
    /// the default, `i` for `outputs[i - 1]`) a reader; nil on an older
    /// host, which cannot say. Records emitted to an output nobody reads are
    /// written nowhere, so an optional output's records belong in the
    /// dead-letter queue (`Output.fail`) when it is not wired.
    public func isOutputWired(_ index: Int) -> Bool? {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.output_wired), let wired = api.pointee.output_wired, index >= 0 else {
            return nil
        }
        return wired[index] != 0
    }

    /// Ends a hold from `Output.hold(_:)`: the record left this instance's
    /// state, or (a sink's hold) it was written. Call it, or
    /// `release(_:failed:retriable:)`, exactly once per hold, from any thread.
    public func release(_ hold: Hold) {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.release), let release = api.pointee.release else { return }
        release(api.pointee.host_data, hold.pointer)
    }

    /// Ends each of `holds`, in order, as `release(_:)` of each would: in
    /// one call to a host with ABI 1.6 `release_many`, which then takes its
    /// lock once instead of once per hold.
    public func release(_ holds: [Hold]) {
        guard !holds.isEmpty else { return }
        guard structHasField(api.pointee.struct_size, \sluice_host_api.release_many), let releaseMany = api.pointee.release_many else {
            for hold in holds { release(hold) }
            return
        }
        // A `Hold` is its address alone, laid out as the `sluice_hold *` it stands for.
        holds.withUnsafeBytes { list in
            list.withMemoryRebound(to: OpaquePointer?.self) { releaseMany(api.pointee.host_data, $0.baseAddress, $0.count) }
        }
    }

    /// Ends a sink's hold (ABI 1.4) for a record that was not written: the
    /// host writes it again later when `retriable`, else dead-letters it with `reason`.
    public func release(_ hold: Hold, failed reason: String, retriable: Bool) {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.release_failed), let fail = api.pointee.release_failed else { return }
        fail(api.pointee.host_data, hold.pointer, retriable ? SLUICE_FAILURE_RETRIABLE : SLUICE_FAILURE_PERMANENT, reason)
    }

    /// A counter, gauge or histogram, exposed as `sluice_<plugin>_<name>`
    /// labelled with the pipeline, this component and `labels` (host ABI
    /// 1.2; an older host gets the name without them).
    public func metric(_ kind: Metric.Kind, _ name: String, labels: KeyValuePairs<String, String>, help: String? = nil) -> Metric {
        guard api.pointee.abi_minor >= 2, !labels.isEmpty else { return metric(kind, name, help: help) }
        let rendered = labels.map { key, value in
            var escaped = ""
            for c in value {
                switch c {
                case "\\": escaped += "\\\\"
                case "\"": escaped += "\\\""
                case "\n": escaped += "\\n"
                default: escaped.append(c)
                }
            }
            return "\(key)=\"\(escaped)\""
        }
        return metric(kind, name + "{" + rendered.joined(separator: ",") + "}", help: help)
    }

    /// A counter, gauge or histogram, exposed as `sluice_<plugin>_<name>`
    /// labelled with the pipeline and this component.
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
///
/// `@unchecked Sendable`: the handle belongs to the host, whose `metric_record`
/// is [any-thread] (the host's series are swift-prometheus atomics and locks).
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
