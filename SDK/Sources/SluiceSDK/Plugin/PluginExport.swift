import CSluicePlugin
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A component type a plugin exports.
public enum ComponentType: Sendable {
    case source(any Source.Type)
    case processor(any Processor.Type)
    case sink(any Sink.Type)

    var meta: any Component.Type {
        switch self {
        case let .source(t): return t
        case let .processor(t): return t
        case let .sink(t): return t
        }
    }
}

/// Builds the C descriptor of a Swift plugin.
///
/// A Swift plugin keeps one of these in a global and returns its `descriptor`
/// from a `@_cdecl` function that the plugin's C entry file (one
/// `SLUICE_PLUGIN(...)` line) calls:
///
/// ```swift
/// let export = PluginExport(name: "faker", version: "1.0.0", summary: "…", components: [.source(Generate.self)])
/// @_cdecl("sluice_faker_descriptor") public func descriptor() -> UnsafeRawPointer { export.raw }
/// ```
///
/// The descriptor and its strings live as long as the library is loaded.
///
/// `@unchecked Sendable`: the descriptor is built in `init` and never changed;
/// the host reads it from any thread.
public final class PluginExport: @unchecked Sendable {
    public let descriptor: UnsafePointer<sluice_plugin_descriptor>

    /// The descriptor as an untyped pointer, for the `@_cdecl` function.
    public var raw: UnsafeRawPointer { UnsafeRawPointer(descriptor) }

    public init(name: String, version: String, summary: String, components: [ComponentType]) {
        let list = UnsafeMutablePointer<UnsafePointer<sluice_component_descriptor>?>.allocate(capacity: components.count)
        for (i, type) in components.enumerated() {
            let d = UnsafeMutablePointer<sluice_component_descriptor>.allocate(capacity: 1)
            var c = sluice_component_descriptor()
            c.struct_size = UInt32(MemoryLayout<sluice_component_descriptor>.size)
            c.name = UnsafePointer(strdup(type.meta.name))
            c.description = UnsafePointer(strdup(type.meta.summary))
            c.config_schema = UnsafePointer(strdup(type.meta.configSchema))
            c.flags = (type.meta.threadSafe ? UInt32(SLUICE_COMPONENT_THREAD_SAFE) : 0)
                | (type.meta.keyedState ? UInt32(SLUICE_COMPONENT_KEYED_STATE) : 0)
                | (type.meta.splitsInput ? UInt32(SLUICE_COMPONENT_SPLITS_INPUT) : 0)
                | (type.meta.readsText ? UInt32(SLUICE_COMPONENT_READS_TEXT) : 0)
            let outputs = type.meta.outputs
            if !outputs.isEmpty {
                let names = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: outputs.count)
                for (j, output) in outputs.enumerated() { names[j] = UnsafePointer(strdup(output)) }
                c.output_count = outputs.count
                c.outputs = UnsafePointer(names)
            }
            c.create = exportCreate
            c.check = exportCheck
            c.destroy = exportDestroy
            switch type {
            case .source:
                c.kind = SLUICE_SOURCE
                c.source = UnsafePointer(sourceVTable)
            case .processor:
                c.kind = SLUICE_PROCESSOR
                c.processor = UnsafePointer(processorVTable)
            case .sink:
                c.kind = SLUICE_SINK
                c.sink = UnsafePointer(sinkVTable)
            }
            d.initialize(to: c)
            Factories.register(UnsafeRawPointer(d), type)
            list[i] = UnsafePointer(d)
        }
        let p = UnsafeMutablePointer<sluice_plugin_descriptor>.allocate(capacity: 1)
        var plugin = sluice_plugin_descriptor()
        plugin.struct_size = UInt32(MemoryLayout<sluice_plugin_descriptor>.size)
        plugin.abi_major = UInt16(SLUICE_ABI_MAJOR)
        plugin.abi_minor = UInt16(SLUICE_ABI_MINOR)
        plugin.name = UnsafePointer(strdup(name))
        plugin.version = UnsafePointer(strdup(version))
        plugin.description = UnsafePointer(strdup(summary))
        plugin.component_count = components.count
        plugin.components = UnsafePointer(list)
        p.initialize(to: plugin)
        descriptor = UnsafePointer(p)
    }
}

/// Component descriptor address → Swift type, so one C `create` serves all.
private enum Factories {
    private static let table = Mutex<[UInt: ComponentType]>([:])

    static func register(_ key: UnsafeRawPointer, _ type: ComponentType) {
        table.withLock { $0[UInt(bitPattern: key)] = type }
    }

    static func type(for key: UnsafeRawPointer) -> ComponentType? {
        table.withLock { $0[UInt(bitPattern: key)] }
    }
}

/// The Swift object behind a C `state` pointer.
private final class Instance {
    let host: PluginHost
    let source: (any Source)?
    let processor: (any Processor)?
    let sink: (any Sink)?

    init(host: PluginHost, source: (any Source)? = nil, processor: (any Processor)? = nil, sink: (any Sink)? = nil) {
        self.host = host
        self.source = source
        self.processor = processor
        self.sink = sink
    }

    static func from(_ state: UnsafeMutableRawPointer?) -> Instance {
        Unmanaged<Instance>.fromOpaque(state!).takeUnretainedValue()
    }

    /// Runs a call, mapping thrown errors to a status. An error fails every
    /// record of `batch` with the reason: a permanent one sends each to the
    /// dead-letter queue with it; a retriable one (a full disk) gives the
    /// reason to the records retried, for their dead letters if the retries
    /// run out (the host keeps a record's permanent failure over it).
    func run(_ output: Output?, failing batch: Batch? = nil, _ body: () throws -> Void) -> sluice_status {
        do {
            try body()
            return SLUICE_OK
        } catch let SluiceError.retriable(message) {
            host.log(.warning, message)
            if let output, let batch {
                for i in batch.indices { output.fail(i, message, retriable: true) }
            }
            return SLUICE_RETRIABLE
        } catch {
            host.log(.error, "\(error)")
            if let output, let batch {
                for i in batch.indices { output.fail(i, "\(error)") }
            }
            return SLUICE_PERMANENT
        }
    }
}

private func writeError(_ message: String, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int) {
    guard let buffer, capacity > 0 else { return }
    let bytes = Array(message.utf8.prefix(capacity - 1))
    for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
    buffer[bytes.count] = 0
}

private let exportCreate: @convention(c) (
    UnsafePointer<sluice_component_descriptor>?, UnsafePointer<CChar>?, UnsafePointer<sluice_host_api>?,
    UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<CChar>?, Int
) -> sluice_status = { descriptor, json, api, state, errorBuffer, capacity in
    guard let descriptor, let api, let state, let type = Factories.type(for: UnsafeRawPointer(descriptor)) else {
        writeError("unknown component descriptor", errorBuffer, capacity)
        return SLUICE_CONFIG_ERROR
    }
    let host = PluginHost(api)
    do {
        let config = try Config(json: json.map { String(cString: $0) } ?? "{}")
        let instance: Instance
        switch type {
        case let .source(t): instance = Instance(host: host, source: try t.init(config: config, host: host))
        case let .processor(t): instance = Instance(host: host, processor: try t.init(config: config, host: host))
        case let .sink(t): instance = Instance(host: host, sink: try t.init(config: config, host: host))
        }
        state.pointee = Unmanaged.passRetained(instance).toOpaque()
        return SLUICE_OK
    } catch let SluiceError.retriable(message) {
        writeError(message, errorBuffer, capacity)
        return SLUICE_RETRIABLE
    } catch {
        writeError("\(error)", errorBuffer, capacity)
        return SLUICE_CONFIG_ERROR
    }
}

private let exportCheck: @convention(c) (
    UnsafePointer<sluice_component_descriptor>?, UnsafePointer<CChar>?, UnsafePointer<sluice_host_api>?,
    UnsafeMutablePointer<CChar>?, Int
) -> sluice_status = { descriptor, json, api, errorBuffer, capacity in
    guard let descriptor, let api, let type = Factories.type(for: UnsafeRawPointer(descriptor)) else {
        writeError("unknown component descriptor", errorBuffer, capacity)
        return SLUICE_CONFIG_ERROR
    }
    do {
        try type.meta.check(config: try Config(json: json.map { String(cString: $0) } ?? "{}"), host: PluginHost(api))
        return SLUICE_OK
    } catch {
        writeError("\(error)", errorBuffer, capacity)
        return SLUICE_CONFIG_ERROR
    }
}

private let exportDestroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { state in
    guard let state else { return }
    Unmanaged<Instance>.fromOpaque(state).release()
}

/// Immutable once built (global initialisation runs once, thread-safely).
nonisolated(unsafe) private let sourceVTable: UnsafeMutablePointer<sluice_source_vtable> = {
    let v = UnsafeMutablePointer<sluice_source_vtable>.allocate(capacity: 1)
    var t = sluice_source_vtable()
    t.struct_size = UInt32(MemoryLayout<sluice_source_vtable>.size)
    t.poll = { state, ctx, maxRecords, timeout in
        let instance = Instance.from(state)
        let output = Output(api: instance.host.api, ctx: ctx!)
        var status = SLUICE_OK
        let result = instance.run(output) {
            if try instance.source!.poll(output, maxRecords: Int(maxRecords), timeoutMillis: Int(timeout)) == .end {
                status = SLUICE_END
            }
        }
        return result == SLUICE_OK ? status : result
    }
    t.ack = { state, tokens, count in
        let instance = Instance.from(state)
        instance.source!.ack(tokens: UnsafeBufferPointer(start: tokens, count: count))
    }
    v.initialize(to: t)
    return v
}()

/// Immutable once built (global initialisation runs once, thread-safely).
nonisolated(unsafe) private let processorVTable: UnsafeMutablePointer<sluice_processor_vtable> = {
    let v = UnsafeMutablePointer<sluice_processor_vtable>.allocate(capacity: 1)
    var t = sluice_processor_vtable()
    t.struct_size = UInt32(MemoryLayout<sluice_processor_vtable>.size)
    t.process = { state, batch, ctx in
        let instance = Instance.from(state)
        let output = Output(api: instance.host.api, ctx: ctx!)
        let batch = Batch(batch!)
        return instance.run(output, failing: batch) { try instance.processor!.process(batch, output) }
    }
    t.tick = { state, now, ctx in
        let instance = Instance.from(state)
        let output = Output(api: instance.host.api, ctx: ctx!)
        return instance.run(output) { try instance.processor!.tick(nowMillis: now, output) }
    }
    v.initialize(to: t)
    return v
}()

/// Immutable once built (global initialisation runs once, thread-safely).
nonisolated(unsafe) private let sinkVTable: UnsafeMutablePointer<sluice_sink_vtable> = {
    let v = UnsafeMutablePointer<sluice_sink_vtable>.allocate(capacity: 1)
    var t = sluice_sink_vtable()
    t.struct_size = UInt32(MemoryLayout<sluice_sink_vtable>.size)
    t.write = { state, batch, ctx in
        let instance = Instance.from(state)
        let output = Output(api: instance.host.api, ctx: ctx!)
        let batch = Batch(batch!)
        return instance.run(output, failing: batch) { try instance.sink!.write(batch, output) }
    }
    t.flush = { state, ctx in
        let instance = Instance.from(state)
        return instance.run(nil) { try instance.sink!.flush() }
    }
    v.initialize(to: t)
    return v
}()
