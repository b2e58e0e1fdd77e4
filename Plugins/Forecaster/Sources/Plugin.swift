import SluiceSDK

let forecasterPlugin = PluginExport(
    name: "forecaster", version: "0.1.0",
    summary: "Per-key online forecasts, prediction intervals, anomaly scores and alerts",
    components: [.processor(ForecasterProcessor.self)])

@_cdecl("sluice_forecaster_descriptor")
public func sluiceForecasterDescriptor() -> UnsafeRawPointer { forecasterPlugin.raw }
