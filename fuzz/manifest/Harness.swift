/// libFuzzer entry for the manifest parser (YAML through libyaml and Yams,
/// aliases, `${ENV}` substitution, every section's settings): any bytes are
/// parsed or refused with an error, never a crash, a hang or unbounded
/// memory (an alias bomb is refused by its expanded size).
/// FuzzRegressionTests.testManifestInputs replays the same call.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ManifestParser.parse(text: text, file: "/nonexistent/fuzz/pipeline.yaml", environment: ["HOME": "/root", "TOKEN": "t0k"])
    return 0
}
