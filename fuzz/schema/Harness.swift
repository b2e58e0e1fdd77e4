import SluiceSDK

/// libFuzzer entry for the schema compiler (validator.check's `schema:`):
/// any bytes that parse as JSON are compiled; compiling never crashes or
/// hangs (cycles of `$ref` are refused), and a compiled schema validates a
/// few instances, the schema itself among them, without a crash.
/// FuzzRegressionTests.testSchemaInputs replays the same steps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let value = try? JSONParser.parse(UnsafeRawBufferPointer(start: data, count: size)),
          let schema = try? JSONSchema(value) else { return 0 }
    for instance: JSONValue in [value, .null, .int(0), .double(-1.5), .string("a"), .array([.int(1), .string("a")]), ["a": 1]] {
        _ = schema.validate(instance)
    }
    return 0
}
