import SluiceSDK

let dashboardPlugin = PluginExport(
    name: "dashboard", version: "0.1.0", summary: "A live web page of chosen fields per key, with forecasts and alerts overlaid",
    components: [.sink(DashboardSink.self)])

@_cdecl("sluice_dashboard_descriptor")
public func sluiceDashboardDescriptor() -> UnsafeRawPointer { dashboardPlugin.raw }
