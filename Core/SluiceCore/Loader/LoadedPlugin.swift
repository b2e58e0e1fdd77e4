import CSluicePlugin
import SluiceSchema
import SluiceSDK

/// A plugin library mapped into the host, with its components.
public final class LoadedPlugin: @unchecked Sendable {
    public let path: String
    public let note: PluginNote
    public let version: String
    public let components: [ComponentInfo]
    let handle: UnsafeMutableRawPointer

    init(path: String, note: PluginNote, version: String, components: [ComponentInfo], handle: UnsafeMutableRawPointer) {
        self.path = path
        self.note = note
        self.version = version
        self.components = components
        self.handle = handle
    }

    public var name: String { note.name }

    public func component(_ name: String) -> ComponentInfo? { components.first { $0.name == name } }
}

/// One component of a loaded plugin.
public final class ComponentInfo: @unchecked Sendable {
    public let name: String
    public let role: ComponentRole
    public let summary: String
    public let threadSafe: Bool
    /// The config schema's text as the plugin published it.
    public let schemaText: String?
    /// Named outputs besides the default (ABI 1.1); `emit` option `output` i is `outputs[i - 1]`.
    public let outputs: [String]
    /// Which optional calls the vtable has and covers with its `struct_size`.
    let hasAck: Bool
    let hasTick: Bool
    let hasFlush: Bool
    let descriptor: UnsafePointer<sluice_component_descriptor>
    private var compiled: Result<JSONSchema?, Error>?

    init(descriptor: UnsafePointer<sluice_component_descriptor>, role: ComponentRole) {
        self.descriptor = descriptor
        self.role = role
        let d = descriptor.pointee
        name = String(cString: d.name)
        summary = d.description.map { String(cString: $0) } ?? ""
        threadSafe = d.flags & UInt32(SLUICE_COMPONENT_THREAD_SAFE) != 0
        schemaText = d.config_schema.map { String(cString: $0) }
        if structHasField(d.struct_size, \sluice_component_descriptor.outputs), let names = d.outputs {
            outputs = (0 ..< d.output_count).map { names[$0].map { String(cString: $0) } ?? "" }
        } else {
            outputs = []
        }
        hasAck = d.source.map { structHasField($0.pointee.struct_size, \sluice_source_vtable.ack) && $0.pointee.ack != nil } ?? false
        hasTick = d.processor.map { structHasField($0.pointee.struct_size, \sluice_processor_vtable.tick) && $0.pointee.tick != nil } ?? false
        hasFlush = d.sink.map { structHasField($0.pointee.struct_size, \sluice_sink_vtable.flush) && $0.pointee.flush != nil } ?? false
    }

    /// The `emit` output index of `name` (0 for the default, nil if unknown).
    public func outputIndex(_ name: String?) -> Int? {
        guard let name else { return 0 }
        return outputs.firstIndex(of: name).map { $0 + 1 }
    }

    /// The compiled config schema (nil when the component accepts any object).
    public func configSchema() throws -> JSONSchema? {
        if let compiled { return try compiled.get() }
        let result = Result { try schemaText.map { try JSONSchema(json: $0) } }
        compiled = result
        return try result.get()
    }
}
