import CSluicePlugin
import SluiceSDK

extension PluginLoader {
    /// Checks one component descriptor before anything of it is used: every
    /// struct the host will read covers what the host reads from it (its
    /// `struct_size`), the kind has its vtable, and the ELF note announced
    /// the same component and outputs.
    static func checkComponent(_ c: UnsafePointer<sluice_component_descriptor>, index: Int, note: PluginNote,
                               path: String) throws -> ComponentInfo
    {
        let d = c.pointee
        let label = d.name.map { "component \(String(cString: $0).debugDescription)" } ?? "component \(index)"
        func bad(_ reason: String) -> LoadError { LoadError(kind: .badDescriptor, path: path, reason: "\(label): \(reason)") }
        guard structHasField(d.struct_size, \sluice_component_descriptor.sink) else {
            throw bad("descriptor struct_size \(d.struct_size) is too small (ABI 1.0 needs \(structFieldEnd(\sluice_component_descriptor.sink)))")
        }
        guard d.name != nil, d.create != nil, d.destroy != nil else { throw bad("lacks a name, create or destroy") }
        let role: ComponentRole
        switch d.kind {
        case SLUICE_SOURCE:
            guard let v = d.source else { throw bad("is a source without a source vtable") }
            guard structHasField(v.pointee.struct_size, \sluice_source_vtable.poll), v.pointee.poll != nil else {
                throw bad("source vtable struct_size \(v.pointee.struct_size) does not cover poll (needs \(structFieldEnd(\sluice_source_vtable.poll)))")
            }
            role = .source
        case SLUICE_PROCESSOR:
            guard let v = d.processor else { throw bad("is a processor without a processor vtable") }
            guard structHasField(v.pointee.struct_size, \sluice_processor_vtable.process), v.pointee.process != nil else {
                throw bad("processor vtable struct_size \(v.pointee.struct_size) does not cover process (needs \(structFieldEnd(\sluice_processor_vtable.process)))")
            }
            role = .processor
        case SLUICE_SINK:
            guard let v = d.sink else { throw bad("is a sink without a sink vtable") }
            guard structHasField(v.pointee.struct_size, \sluice_sink_vtable.write), v.pointee.write != nil else {
                throw bad("sink vtable struct_size \(v.pointee.struct_size) does not cover write (needs \(structFieldEnd(\sluice_sink_vtable.write)))")
            }
            role = .sink
        default:
            throw bad("has an unknown kind \(d.kind.rawValue)")
        }
        let info = ComponentInfo(descriptor: c, role: role)
        guard Self.isValidName(info.name) else { throw bad("name is not [a-z0-9_-]+") }
        if !info.outputs.isEmpty, role != .processor { throw bad("declares outputs, which only processors may have") }
        for output in info.outputs where !Self.isValidName(output) {
            throw bad("output name \(output.debugDescription) is not [a-z0-9_-]+")
        }
        if Set(info.outputs).count != info.outputs.count { throw bad("lists an output twice") }
        guard let announced = note.components.first(where: { $0.name == info.name }) else {
            let listed = note.components.map(\.name).joined(separator: ", ")
            throw bad("is not in the plugin's ELF note (it lists: \(listed)); rebuild with matching SLUICE_PLUGIN components")
        }
        guard announced.kind == role.rawValue else { throw bad("is a \(role.rawValue), but the ELF note says \(announced.kind)") }
        guard announced.outputs == info.outputs else {
            throw bad("has outputs [\(info.outputs.joined(separator: ","))], but the ELF note says [\(announced.outputs.joined(separator: ","))]")
        }
        return info
    }

    private static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { (0x61 ... 0x7A).contains($0) || (0x30 ... 0x39).contains($0) || $0 == 0x5F || $0 == 0x2D }
    }
}
