import SluiceSDK

let joinPlugin = PluginExport(
    name: "join", version: "0.1.0", summary: "Event-time interval join of keyed streams with watermarks",
    components: [.processor(JoinProcessor.self)])

@_cdecl("sluice_join_descriptor")
public func sluiceJoinDescriptor() -> UnsafeRawPointer { joinPlugin.raw }
