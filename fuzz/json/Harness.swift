/// libFuzzer entry for the JSON decoders (the tree parser and the streaming
/// transcoder that file.read, Kafka and push use): any bytes, never a crash;
/// whatever parses becomes a well-formed BSON document.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let value = try? JSONParser.parse(bytes), case .object = value, let doc = try? BSONFromJSON.document(value) {
        let ok = doc.withUnsafeBytes { BSONDocument.isWellFormed($0) }
        precondition(ok, "parsed JSON became malformed BSON")
    }
    var w = BSONWriter(capacity: 64)
    if (try? BSONFromJSON.transcode(json: bytes, into: &w)) != nil {
        let doc = w.finish()
        let ok = doc.withUnsafeBytes { BSONDocument.isWellFormed($0) }
        precondition(ok, "transcoded JSON became malformed BSON")
    }
    return 0
}
