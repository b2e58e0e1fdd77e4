/// libFuzzer entry for the BSON reader: any bytes are checked, and a document
/// found well-formed can be walked and written as JSON without a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard BSONDocument.isWellFormed(bytes) else { return 0 }
    _ = BSONDocument(bytes).jsonValue
    return 0
}
