import SluiceSDK

/// libFuzzer entry for the CSV decoder (what file.read and the push and
/// poll endpoints run on CSV), fed line by line as the sources do: any
/// bytes, never a crash or a hang; a record has one cell per header name and
/// becomes well-formed BSON with its cells typed; a stray quote's record is
/// cut. The first byte picks the separator; the record bound is small so the
/// stray-quote path runs. FuzzRegressionTests.testCSVInputs replays the same steps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    guard let first = input.first else { return 0 }
    var records = CSVRecords(separator: [",", ";", "\t", "|"][Int(first) & 3], maxRecordBytes: 256)
    var number = 0
    for line in input.dropFirst().split(separator: 0x0A, omittingEmptySubsequences: false) {
        number += 1
        switch records.feed(Substring(String(decoding: line, as: UTF8.self)), number: number) {
        case let .record(cells, _):
            precondition(cells.count == records.header?.count, "a record's cells differ from the header's")
            var w = BSONWriter(capacity: 64)
            for (name, cell) in zip(records.header!, cells) where !name.utf8.contains(0) {
                CSV.append(&w, name, cell: cell, infer: true)
            }
            precondition(w.finish().withUnsafeBytes { BSONDocument.isWellFormed($0) }, "a CSV record became malformed BSON")
        case let .unterminated(text, _):
            precondition(text.utf8.count <= 1024, "an unterminated record's text is not cut")
        case nil, .header, .mismatched: break
        }
    }
    return 0
}
