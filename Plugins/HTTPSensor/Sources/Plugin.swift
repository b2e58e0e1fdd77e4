import SluiceSDK

let httpSensorPlugin = PluginExport(
    name: "http-sensor", version: "0.1.0",
    summary: "Sensor readings over HTTP: polls REST endpoints, accepts pushed JSON, NDJSON or CSV",
    components: [.source(PollSource.self), .source(PushSource.self)])

@_cdecl("sluice_http_sensor_descriptor")
public func sluiceHTTPSensorDescriptor() -> UnsafeRawPointer { httpSensorPlugin.raw }
