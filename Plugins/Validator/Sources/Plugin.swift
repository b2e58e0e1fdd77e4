import SluiceSDK

let validatorPlugin = PluginExport(
    name: "validator", version: "0.1.0", summary: "JSON Schema 2020-12 validation, text-line parsing and type coercion",
    components: [.processor(ValidatorProcessor.self)])

@_cdecl("sluice_validator_descriptor")
public func sluiceValidatorDescriptor() -> UnsafeRawPointer { validatorPlugin.raw }
