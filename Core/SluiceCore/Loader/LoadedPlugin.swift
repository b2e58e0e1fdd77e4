import CSluicePlugin
import SluiceSchema
import SluiceSDK

/// A plugin library mapped into the host, with its components.
///
/// `@unchecked Sendable`: every property is immutable; `handle` is the
/// `dlopen` handle, kept for the life of the process (plugins are never unloaded).
public final class LoadedPlugin: @unchecked Sendable {
    public let path: String
    public let note: PluginNote
    public let version: String
    public let components: [ComponentInfo]
    /// Seconds from the first check of the file to its described components (ELF checks, dlopen, entry).
    public let loadSeconds: Double
    let handle: UnsafeMutableRawPointer

    init(path: String, note: PluginNote, version: String, components: [ComponentInfo], handle: UnsafeMutableRawPointer,
         loadSeconds: Double = 0)
    {
        self.path = path
        self.loadSeconds = loadSeconds
        self.note = note
        self.version = version
        self.components = components
        self.handle = handle
    }

    public var name: String { note.name }

    public func component(_ name: String) -> ComponentInfo? { components.first { $0.name == name } }
}

/// One component of a loaded plugin.
///
/// `@unchecked Sendable`: every property is immutable; `descriptor` points at
/// the plugin's static data, which stays valid and unchanged while it is loaded.
public final class ComponentInfo: @unchecked Sendable {
    public let name: String
    public let role: ComponentRole
    public let summary: String
    public let threadSafe: Bool
    /// Keeps state per key or split (`SLUICE_COMPONENT_KEYED_STATE`): its workers get records by key.
    public let keyedState: Bool
    /// A source that can split its input (`SLUICE_COMPONENT_SPLITS_INPUT`): a manifest may give it `workers: N`.
    public let splitsInput: Bool
    /// A sink that may write records' source texts (`SLUICE_COMPONENT_READS_TEXT`).
    public let readsText: Bool
    /// The config schema's text as the plugin published it.
    public let schemaText: String?
    /// Named outputs besides the default (ABI 1.1); `emit` option `output` i is `outputs[i - 1]`.
    public let outputs: [String]
    /// Which optional calls the vtable has and covers with its `struct_size`.
    let hasAck: Bool
    let hasTick: Bool
    let hasFlush: Bool
    /// Whether the descriptor has a `check` call (ABI 1.2).
    let hasCheck: Bool
    let descriptor: UnsafePointer<sluice_component_descriptor>
    /// The schema compiled at load, or why it does not compile.
    private let compiled: JSONSchema?
    private let schemaError: String?

    init(descriptor: UnsafePointer<sluice_component_descriptor>, role: ComponentRole) {
        self.descriptor = descriptor
        self.role = role
        let d = descriptor.pointee
        name = String(cString: d.name)
        summary = d.description.map { String(cString: $0) } ?? ""
        threadSafe = d.flags & UInt32(SLUICE_COMPONENT_THREAD_SAFE) != 0
        keyedState = d.flags & UInt32(SLUICE_COMPONENT_KEYED_STATE) != 0
        splitsInput = role == .source && d.flags & UInt32(SLUICE_COMPONENT_SPLITS_INPUT) != 0
        readsText = role == .sink && d.flags & UInt32(SLUICE_COMPONENT_READS_TEXT) != 0
        schemaText = d.config_schema.map { String(cString: $0) }
        do {
            // A config schema's formats are checks its author meant ("start_time" must be a date-time).
            compiled = try schemaText.map { try JSONSchema(json: $0, options: SchemaOptions(formatAssertion: true)) }
            schemaError = nil
        } catch {
            compiled = nil
            schemaError = "\(error)"
        }
        if structHasField(d.struct_size, \sluice_component_descriptor.outputs), let names = d.outputs {
            outputs = (0 ..< d.output_count).map { names[$0].map { String(cString: $0) } ?? "" }
        } else {
            outputs = []
        }
        hasAck = d.source.map { structHasField($0.pointee.struct_size, \sluice_source_vtable.ack) && $0.pointee.ack != nil } ?? false
        hasTick = d.processor.map { structHasField($0.pointee.struct_size, \sluice_processor_vtable.tick) && $0.pointee.tick != nil } ?? false
        hasCheck = structHasField(d.struct_size, \sluice_component_descriptor.check) && d.check != nil
        hasFlush = d.sink.map { structHasField($0.pointee.struct_size, \sluice_sink_vtable.flush) && $0.pointee.flush != nil } ?? false
    }

    /// The `emit` output index of `name` (0 for the default, nil if unknown).
    public func outputIndex(_ name: String?) -> Int? {
        guard let name else { return 0 }
        return outputs.firstIndex(of: name).map { $0 + 1 }
    }

    /// The compiled config schema (nil when the component accepts any object).
    public func configSchema() throws -> JSONSchema? {
        if let schemaError { throw SchemaError(message: schemaError) }
        return compiled
    }

    /// Why a published config schema does not compile.
    public struct SchemaError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }
}
