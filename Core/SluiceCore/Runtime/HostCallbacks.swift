import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

/// The C functions of the host table. Each finds its instance through
/// `host_data` (a `ComponentHost`) or its call through the context.
enum HostCallbacks {
    static func install(into t: inout sluice_host_api) {
        t.log = hostLog
        t.monotonic_ns = hostMonotonic
        t.wall_ms = hostWall
        t.metric = hostMetric
        t.metric_record = hostMetricRecord
        t.emit = hostEmit
        t.fail = hostFail
        t.stopping = hostStopping
        t.forward = hostForward
        t.hold = hostHold
        t.release = hostRelease
        t.revoke_splits = hostRevokeSplits
        t.release_failed = hostReleaseFailed
        t.release_many = hostReleaseMany
    }
}

private let hostLog: @convention(c) (UnsafeMutableRawPointer?, sluice_log_level, UnsafePointer<CChar>?) -> Void = { data, level, msg in
    ComponentHost.with(data) { host in
        let text = msg.map { String(cString: $0) } ?? ""
        let l: Logger.Level
        switch level {
        case SLUICE_LOG_TRACE: l = .trace
        case SLUICE_LOG_DEBUG: l = .debug
        case SLUICE_LOG_INFO: l = .info
        case SLUICE_LOG_WARNING: l = .warning
        default: l = .error
        }
        guard l >= host.logger.logLevel else { return }
        let decision = host.logLimiter.withLock { $0.admit(LogRateLimiter.kind(of: text, component: host.name), now: Clock.monotonicSeconds()) }
        guard decision.emit else { return }
        if decision.suppressed > 0 {
            host.logger.log(level: l, "\(text) (\(decision.suppressed) similar line(s) suppressed)", metadata: ["suppressed": "\(decision.suppressed)"])
        } else {
            host.logger.log(level: l, "\(text)")
        }
    }
}

private let hostMonotonic: @convention(c) (UnsafeMutableRawPointer?) -> UInt64 = { _ in
    Clock.monotonicNanos()
}

private let hostWall: @convention(c) (UnsafeMutableRawPointer?) -> Int64 = { _ in
    Clock.wallMillis()
}

private let hostMetric: @convention(c) (UnsafeMutableRawPointer?, sluice_metric_kind, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> OpaquePointer? = {
    data, kind, name, help in
    ComponentHost.with(data) { host in
        guard let name else { return nil }
        let k: PluginMetric.Kind
        switch kind {
        case SLUICE_METRIC_COUNTER: k = .counter
        case SLUICE_METRIC_GAUGE: k = .gauge
        case SLUICE_METRIC_HISTOGRAM: k = .histogram
        default: return nil
        }
        guard let metric = host.metrics.pluginMetric(plugin: host.plugin, component: host.name, name: String(cString: name),
                                                     help: help.map { String(cString: $0) } ?? "", kind: k, worker: host.worker) else { return nil }
        // RunMetrics keeps the metric alive for the whole run.
        return OpaquePointer(Unmanaged.passUnretained(metric).toOpaque())
    }
}

private let hostMetricRecord: @convention(c) (OpaquePointer?, Double) -> Void = { metric, value in
    guard let metric else { return }
    Unmanaged<PluginMetric>.fromOpaque(UnsafeRawPointer(metric)).takeUnretainedValue().record(value)
}

private let hostEmit: @convention(c) (OpaquePointer?, UnsafePointer<UInt8>?, Int, UnsafePointer<sluice_emit_options>?) -> Int32 = {
    ctx, bson, length, options in
    guard let bson else { return -1 }
    return CallContext.with(ctx) { $0.emit(UnsafeRawBufferPointer(start: bson, count: length), options) }
}

private let hostFail: @convention(c) (OpaquePointer?, Int, sluice_failure_kind, UnsafePointer<CChar>?) -> Void = { ctx, index, kind, reason in
    let reason = reason.map { String(cString: $0) } ?? "no reason given"
    CallContext.with(ctx) { $0.fail(index, kind, reason) }
}

private let hostForward: @convention(c) (OpaquePointer?, Int) -> Int32 = { ctx, index in
    CallContext.with(ctx) { $0.forward(index) }
}

private let hostStopping: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { data in
    ComponentHost.with(data) { $0.stoppingAnswer }
}

private let hostHold: @convention(c) (OpaquePointer?, Int) -> OpaquePointer? = { ctx, index in
    CallContext.with(ctx) { $0.hold(index) }
}

private let hostRelease: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> Void = { data, hold in
    ComponentHost.with(data) { host in
        if !end(hold, of: host) { host.logger.error("release of a hold that is not live (released twice, or never returned by hold); ignored") }
    }
}

private let hostReleaseMany: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<OpaquePointer?>?, Int) -> Void = { data, holds, count in
    guard count > 0 else { return }
    ComponentHost.with(data) { host in
        guard let holds else { return host.logger.error("release_many of \(count) hold(s) given no list; ignored") }
        let list = UnsafeBufferPointer(start: holds, count: count)
        // A processor's holds are all in its table, ended under one lock; a sink's in-flight holds end one by one.
        let notLive = list.contains { InFlightWrites.owns(holdHandle($0)) }
            ? list.reduce(0) { $0 + (end($1, of: host) ? 0 : 1) }
            : host.holds.release(list)
        if notLive > 0 { host.logger.error("release of \(notLive) hold(s) that are not live (released twice, or never returned by hold); ignored") }
    }
}

/// Ends `hold` in the table it came from; false if it is not a live hold.
private func end(_ hold: OpaquePointer?, of host: ComponentHost) -> Bool {
    let handle = holdHandle(hold)
    return InFlightWrites.owns(handle) ? host.writes.end(handle) : host.holds.release(handle)
}

private let hostReleaseFailed: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, sluice_failure_kind, UnsafePointer<CChar>?) -> Void = {
    data, hold, kind, reason in
    ComponentHost.with(data) { host in
        let handle = holdHandle(hold)
        let failure = (retriable: kind == SLUICE_FAILURE_RETRIABLE, reason: reason.map { String(cString: $0) } ?? "no reason given")
        guard InFlightWrites.owns(handle), host.writes.end(handle, failure: failure) else {
            host.logger.error("release_failed of a hold that is not a sink's live hold (ended twice, or never returned by hold in write); ignored")
            return
        }
    }
}

/// A `sluice_hold *` is an id, not an address (0 for NULL).
private func holdHandle(_ hold: OpaquePointer?) -> UInt {
    hold.map { UInt(bitPattern: UnsafeRawPointer($0)) } ?? 0
}

private let hostRevokeSplits: @convention(c) (OpaquePointer?, UnsafePointer<UInt32>?, Int) -> Void = { ctx, splits, count in
    guard let splits, count > 0 else { return }
    CallContext.from(ctx).revoke(Array(UnsafeBufferPointer(start: splits, count: count)))
}
