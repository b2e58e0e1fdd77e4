import SluiceSDK

/// libFuzzer entry for the line decoders (NDJSON, CSV and text, plain and
/// with fields split or matched by a regex): what the push endpoint runs as
/// a body streams in and what file.read and the poll endpoint run on a
/// whole body. Any bytes, never a crash or a hang; the body cut into chunks
/// (`LineSplitter` with a line bound, then `RecordLines`) decodes to the same
/// items as the whole body does, every record is well-formed BSON, and no
/// more than the line bound is ever held. The first byte picks the decoder,
/// the second the chunk size. FuzzRegressionTests.testLineInputs replays the same steps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    guard input.count >= 2 else { return 0 }
    LineDecoderFuzz.check(pick: input[0], chunk: input[1], body: UnsafeRawBufferPointer(rebasing: input[2...]))
    return 0
}

enum LineDecoderFuzz {
    static let maxLineBytes = 512

    static let decoders: [RecordDecoder] = {
        let split = try! Config(json: #"{"names": ["at", "temp", "beach"]}"#)
        let regex = try! Config(json: #"{"regex": "^(?<at>\\S+)\\s+(?<temp>[-0-9.]+)(\\s+(?<beach>.*))?$"}"#)
        let semicolon = try! Config(json: #"{"separator": ";"}"#)
        return [
            try! RecordDecoder(format: .ndjson, csv: nil, text: nil),
            try! RecordDecoder(format: .csv, csv: nil, text: nil),
            try! RecordDecoder(format: .csv, csv: semicolon, text: nil),
            try! RecordDecoder(format: .text, csv: nil, text: nil),
            try! RecordDecoder(format: .text, csv: nil, text: split),
            try! RecordDecoder(format: .text, csv: nil, text: regex),
        ]
    }()

    /// An item as compared between the two decodings.
    enum Seen: Equatable {
        case record([UInt8], Int)
        case malformed(Int, String, String)
    }

    static func check(pick: UInt8, chunk: UInt8, body: UnsafeRawBufferPointer) {
        let decoder = decoders[Int(pick) % decoders.count]
        var whole: [Seen] = []
        decoder.decode(body) { whole.append(seen($0)) }

        var streamed: [Seen] = []
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var lines = RecordLines(decoder)
        let step = Int(chunk) + 1
        var at = 0
        var tooLong: Int?
        while at < body.count, tooLong == nil {
            let piece = UnsafeRawBufferPointer(rebasing: body[at ..< min(at + step, body.count)])
            do {
                try splitter.feed(piece) { lines.feed($0, number: $1) { streamed.append(seen($0)) } }
            } catch let e as LineSplitter.LineTooLong {
                tooLong = e.line
            } catch {
                preconditionFailure("LineSplitter threw \(error)")
            }
            precondition(splitter.bufferedBytes <= maxLineBytes, "the splitter holds more than a line")
            at += piece.count
        }
        guard let tooLong else {
            splitter.finish { lines.feed($0, number: $1) { streamed.append(seen($0)) } }
            lines.finish { streamed.append(seen($0)) }
            precondition(streamed == whole, "a body decoded in chunks differs from the whole body decoded")
            return
        }
        // The items before the long line are the whole body's first items.
        precondition(streamed.count <= whole.count && Array(whole[..<streamed.count]) == streamed,
                     "a body cut at line \(tooLong) decoded other items than the whole body")
    }

    static func seen(_ item: RecordDecoder.Item) -> Seen {
        switch item {
        case let .record(bytes, line):
            precondition(bytes.withUnsafeBytes { BSONDocument.isWellFormed($0) }, "line \(line) became malformed BSON")
            return .record(bytes, line)
        case let .malformed(line, raw, reason):
            return .malformed(line, raw, reason)
        }
    }
}
