import SluiceSDK

let logstashPlugin = PluginExport(
    name: "logstash", version: "0.1.0", summary: "The ELK variant: records to a Logstash tcp input with the json_lines codec",
    components: [.sink(LogstashSink.self)])

@_cdecl("sluice_logstash_descriptor")
public func sluiceLogstashDescriptor() -> UnsafeRawPointer { logstashPlugin.raw }
