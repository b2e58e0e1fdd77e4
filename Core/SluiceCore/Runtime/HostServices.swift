import CSluicePlugin
import Foundation
import Logging
import SluiceSDK

/// What the host knows about one component instance; behind `host_data`.
final class ComponentHost: @unchecked Sendable {
    let name: String
    let logger: Logger
    let registry: MetricsRegistry
    let control: EngineControl
    /// The C table handed to the plugin; freed after destroy.
    let api: UnsafeMutablePointer<sluice_host_api>

    init(name: String, logger: Logger, registry: MetricsRegistry, control: EngineControl) {
        self.name = name
        var logger = logger
        logger[metadataKey: "component"] = "\(name)"
        self.logger = logger
        self.registry = registry
        self.control = control
        api = .allocate(capacity: 1)
        var t = sluice_host_api()
        t.struct_size = UInt32(MemoryLayout<sluice_host_api>.size)
        t.abi_major = UInt16(SLUICE_ABI_MAJOR)
        t.abi_minor = UInt16(SLUICE_ABI_MINOR)
        t.log = hostLog
        t.monotonic_ns = hostMonotonic
        t.wall_ms = hostWall
        t.metric = hostMetric
        t.metric_record = hostMetricRecord
        t.emit = hostEmit
        t.fail = hostFail
        t.stopping = hostStopping
        t.forward = hostForward
        api.initialize(to: t)
        api.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        api.deallocate()
    }

    static func from(_ p: UnsafeMutableRawPointer?) -> ComponentHost {
        Unmanaged<ComponentHost>.fromOpaque(p!).takeUnretainedValue()
    }
}

/// A per-record failure reported through `fail`.
struct Failure {
    let index: Int
    let retriable: Bool
    let reason: String
}

/// Where one call's output and failures go; behind `sluice_context`.
///
/// Forwarded input records are only noted while nothing else is emitted;
/// `result` then shares the input's bytes instead of copying them.
final class CallContext {
    private(set) var output: RecordBuffer?
    let input: RecordBuffer?
    /// Input indices forwarded so far, while the output holds nothing else.
    private var forwards: [Int] = []
    private var forwardsPending = true
    private(set) var failures: [Failure] = []
    private var failureSlot: [Int: Int] = [:]
    private(set) var rejected = 0

    init(output: RecordBuffer?, input: RecordBuffer?) {
        self.output = output
        self.input = input
    }

    /// Runs `body` with this context as a C pointer.
    func withPointer<R>(_ body: (OpaquePointer) -> R) -> R {
        withExtendedLifetime(self) { body(OpaquePointer(Unmanaged.passUnretained(self).toOpaque())) }
    }

    static func from(_ p: OpaquePointer?) -> CallContext {
        Unmanaged<CallContext>.fromOpaque(UnsafeRawPointer(p!)).takeUnretainedValue()
    }

    /// The call's output records.
    func result() -> RecordBuffer? {
        guard forwardsPending, let input, !forwards.isEmpty else { return output }
        return forwards.count == input.count ? input : RecordBuffer(selecting: forwards, from: input)
    }

    func forward(_ index: Int) -> Int32 {
        guard let input, let output, index >= 0, index < input.count else { return -1 }
        if forwardsPending {
            forwards.append(index)
        } else {
            output.append(from: input, at: index)
        }
        return 0
    }

    /// Copies the noted forwards into the output, before other records join it.
    private func materializeForwards() {
        guard forwardsPending else { return }
        forwardsPending = false
        guard let input, let output else { return }
        for i in forwards { output.append(from: input, at: i) }
        forwards = []
    }

    func emit(_ doc: UnsafeRawBufferPointer, _ options: sluice_emit_options?) -> Int32 {
        materializeForwards()
        guard let output, BSONDocument.isWellFormed(doc) else {
            rejected += 1
            return -1
        }
        var eventTime = Int64.min
        var key: UnsafeRawBufferPointer?
        var token: UInt64 = 0
        var inputIndex = -1
        if let o = options {
            let size = Int(o.struct_size)
            if size >= MemoryLayout<sluice_emit_options>.offset(of: \.event_time_ms)! + 8 { eventTime = o.event_time_ms }
            if size >= MemoryLayout<sluice_emit_options>.offset(of: \.key_length)! + 4, let k = o.key, o.key_length > 0 {
                key = UnsafeRawBufferPointer(start: k, count: Int(o.key_length))
            }
            if size >= MemoryLayout<sluice_emit_options>.offset(of: \.input_index)! + 4 { inputIndex = Int(o.input_index) }
            if size >= MemoryLayout<sluice_emit_options>.offset(of: \.token)! + 8 { token = o.token }
        }
        if let input, inputIndex >= 0, inputIndex < input.count, eventTime == .min || key == nil {
            return input.withRecord(inputIndex) { _, inputKey in
                output.append(doc, eventTime: eventTime == .min ? input.eventTime(at: inputIndex) ?? .min : eventTime,
                              key: key ?? inputKey, token: token)
                return 0
            }
        }
        output.append(doc, eventTime: eventTime, key: key, token: token)
        return 0
    }

    func fail(_ index: Int, _ kind: sluice_failure_kind, _ reason: String) {
        let failure = Failure(index: index, retriable: kind == SLUICE_FAILURE_RETRIABLE, reason: reason)
        if let slot = failureSlot[index] {
            failures[slot] = failure
        } else {
            failureSlot[index] = failures.count
            failures.append(failure)
        }
    }
}

private let hostLog: @convention(c) (UnsafeMutableRawPointer?, sluice_log_level, UnsafePointer<CChar>?) -> Void = { data, level, msg in
    let host = ComponentHost.from(data)
    let text = msg.map { String(cString: $0) } ?? ""
    let l: Logger.Level
    switch level {
    case SLUICE_LOG_TRACE: l = .trace
    case SLUICE_LOG_DEBUG: l = .debug
    case SLUICE_LOG_INFO: l = .info
    case SLUICE_LOG_WARNING: l = .warning
    default: l = .error
    }
    host.logger.log(level: l, "\(text)")
}

private let hostMonotonic: @convention(c) (UnsafeMutableRawPointer?) -> UInt64 = { _ in
    Clock.monotonicNanos()
}

private let hostWall: @convention(c) (UnsafeMutableRawPointer?) -> Int64 = { _ in
    Clock.wallMillis()
}

private let hostMetric: @convention(c) (UnsafeMutableRawPointer?, sluice_metric_kind, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> OpaquePointer? = {
    data, kind, name, help in
    let host = ComponentHost.from(data)
    guard let name else { return nil }
    let k: MetricValue.Kind
    switch kind {
    case SLUICE_METRIC_COUNTER: k = .counter
    case SLUICE_METRIC_GAUGE: k = .gauge
    case SLUICE_METRIC_HISTOGRAM: k = .histogram
    default: return nil
    }
    guard let metric = host.registry.metric(component: host.name, name: String(cString: name),
                                            help: help.map { String(cString: $0) } ?? "", kind: k) else { return nil }
    // The registry keeps the metric alive for the whole run.
    return OpaquePointer(Unmanaged.passUnretained(metric).toOpaque())
}

private let hostMetricRecord: @convention(c) (OpaquePointer?, Double) -> Void = { metric, value in
    guard let metric else { return }
    Unmanaged<MetricValue>.fromOpaque(UnsafeRawPointer(metric)).takeUnretainedValue().record(value)
}

private let hostEmit: @convention(c) (OpaquePointer?, UnsafePointer<UInt8>?, Int, UnsafePointer<sluice_emit_options>?) -> Int32 = {
    ctx, bson, length, options in
    guard let bson else { return -1 }
    return CallContext.from(ctx).emit(UnsafeRawBufferPointer(start: bson, count: length), options?.pointee)
}

private let hostFail: @convention(c) (OpaquePointer?, Int, sluice_failure_kind, UnsafePointer<CChar>?) -> Void = { ctx, index, kind, reason in
    CallContext.from(ctx).fail(index, kind, reason.map { String(cString: $0) } ?? "no reason given")
}

private let hostForward: @convention(c) (OpaquePointer?, Int) -> Int32 = { ctx, index in
    CallContext.from(ctx).forward(index)
}

private let hostStopping: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { data in
    ComponentHost.from(data).control.isStopping ? 1 : 0
}

/// Clocks in the units the ABI uses.
enum Clock {
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func wallMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
