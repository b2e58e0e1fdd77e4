import SluiceSDK

/// libFuzzer entry for the schema compiler (validator.check's `schema:`):
/// any bytes that parse as JSON are compiled; compiling never crashes or
/// hangs (cycles of `$ref` are refused), and a compiled schema validates a
/// few instances, the schema itself among them, without a crash; for the
/// objects among them `isValid` (twice, the second time through the keys the
/// first learned) agrees with `validate`.
/// FuzzRegressionTests.testSchemaInputs replays the same steps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let value = try? JSONParser.parse(UnsafeRawBufferPointer(start: data, count: size)),
          let schema = try? JSONSchema(value) else { return 0 }
    for instance: JSONValue in [value, .null, .int(0), .double(-1.5), .string("a"), .array([.int(1), .string("a")]), ["a": 1]] {
        let failures = schema.validate(instance)
        guard case .object = instance, let bytes = try? BSONFromJSON.document(instance) else { continue }
        let validator = SchemaValidator(schema)
        for _ in 0 ..< 2 where bytes.withUnsafeBytes({ validator.isValid(BSONDocument($0)) }) != failures.isEmpty {
            fatalError("isValid disagrees with validate")
        }
    }
    return 0
}
