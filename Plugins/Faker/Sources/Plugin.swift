import SluiceSDK

let fakerPlugin = PluginExport(
    name: "faker", version: "0.1.0", summary: "Seeded fake records: people, companies, beach sensors, orders, payments",
    components: [.source(FakerSource.self)])

@_cdecl("sluice_faker_descriptor")
public func sluiceFakerDescriptor() -> UnsafeRawPointer { fakerPlugin.raw }
