import SluiceSDK

/// Decodes an NDJSON, CSV or text body one line at a time, as it arrives:
/// what `RecordDecoder.decode` runs on a whole body, and what a streaming
/// reader (the push endpoint) runs on each line `LineSplitter` hands over.
/// Holds only a CSV body's header and any quoted field still open.
public struct RecordLines {
    public let decoder: RecordDecoder
    private var csv: CSVRecords?
    /// The keys and day NDJSON lines leave for the next (`JSONLineMemory`).
    private let memory: JSONLineMemory?

    /// `decoder`'s format must not be `.json` (a JSON body is not made of
    /// lines). `memory`, used on the caller's thread only, may outlive this
    /// body: lines of the next one (the same client's) mostly share its keys.
    public init(_ decoder: RecordDecoder, memory: JSONLineMemory? = nil) {
        precondition(decoder.format != .json, "a JSON body is not decoded by lines")
        self.decoder = decoder
        self.memory = memory
        if decoder.format == .csv { csv = CSVRecords(separator: decoder.separator) }
    }

    /// Decodes line `number` (without its `\n`), calling `each` for what it
    /// completes: blank lines and a CSV header yield nothing, a line of a
    /// quoted CSV field still open yields nothing until the field closes.
    /// The `utf8:` policy is applied first: a rejected line is malformed.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, number: Int, _ each: (RecordDecoder.Item) -> Void) {
        feed(bytes, number: number, record: { each(.record(Array($0), line: $1)) }, each)
    }

    /// As `feed(_:number:_:)`, but an NDJSON record goes to `record` as the
    /// transcoder's own bytes, valid only during the call: a consumer that
    /// copies it (the push endpoint) pays no array per line. CSV and text
    /// records, and everything malformed, still go to `each`.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, number: Int,
                              record: (_ document: UnsafeRawBufferPointer, _ line: Int) -> Void,
                              _ each: (RecordDecoder.Item) -> Void) {
        var line = bytes
        if let last = line.last, last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        if decoder.format == .ndjson, decodeASCII(line, number, record, each) { return }
        switch decoder.checkUTF8(line, place: "line \(number)") {
        case .valid: decode(line, number, record, each)
        case let .repaired(fixed): fixed.withUnsafeBytes { decode($0, number, record, each) }
        case let .invalid(at):
            each(.malformed(line: number, raw: String(decoding: line, as: UTF8.self), reason: "line \(number): \(UTF8Gate.reason(byte: at))"))
        }
    }

    /// An NDJSON line whose strings are ASCII (most are) needs no UTF-8
    /// pass: the transcoder gives up at the first string byte at or above
    /// 0x80, and such a line (false here) is checked and decoded as before.
    private func decodeASCII(_ line: UnsafeRawBufferPointer, _ number: Int,
                             _ record: (UnsafeRawBufferPointer, Int) -> Void, _ each: (RecordDecoder.Item) -> Void) -> Bool {
        do {
            try BSONFromJSON.withDocument(json: line, ascii: true, memory: memory) { record($0, number) }
        } catch is NonASCIIText {
            return false
        } catch {
            // A byte at or above 0x80 outside a string is a JSON error, but the UTF-8 check speaks first.
            guard UTF8Check.isASCII(line) else { return false }
            each(.malformed(line: number, raw: String(decoding: line, as: UTF8.self), reason: "line \(number): \(error)"))
        }
        return true
    }

    /// The body ended: a CSV quoted field still open is malformed.
    public mutating func finish(_ each: (RecordDecoder.Item) -> Void) {
        if let open = csv?.unfinished {
            each(.malformed(line: open.line, raw: open.text, reason: "line \(open.line): unterminated quoted field"))
        }
        if decoder.format == .csv { csv = CSVRecords(separator: decoder.separator) }
    }

    private mutating func decode(_ line: UnsafeRawBufferPointer, _ number: Int,
                                 _ record: (UnsafeRawBufferPointer, Int) -> Void, _ each: (RecordDecoder.Item) -> Void) {
        switch decoder.format {
        case .json: preconditionFailure("a JSON body is not decoded by lines")
        case .ndjson:
            do {
                try BSONFromJSON.withDocument(json: line, memory: memory) { record($0, number) }
            } catch {
                each(.malformed(line: number, raw: String(decoding: line, as: UTF8.self), reason: "line \(number): \(error)"))
            }
        case .csv: decodeCSV(line, number, each)
        case .text: decodeText(line, number, each)
        }
    }

    private mutating func decodeCSV(_ bytes: UnsafeRawBufferPointer, _ number: Int, _ each: (RecordDecoder.Item) -> Void) {
        switch csv!.feed(Substring(String(decoding: bytes, as: UTF8.self)), number: number) {
        case nil, .header: break
        case let .mismatched(text, cells, expected, line):
            each(.malformed(line: line, raw: text, reason: "line \(line): expected \(expected) cells, found \(cells)"))
        case let .unterminated(text, line):
            each(.malformed(line: line, raw: text, reason: "line \(line): a quoted field still open after \(csv!.maxRecordBytes) bytes"))
        case let .record(cells, line):
            let header = csv!.header!
            if let bad = header.first(where: { $0.utf8.contains(0) }) {
                return each(.malformed(line: line, raw: cells.joined(separator: String(decoder.separator)),
                                       reason: "line \(line): the header's column \(bad.debugDescription) holds a NUL character, which a field name cannot"))
            }
            var w = BSONWriter(capacity: cells.reduce(32) { $0 + $1.utf8.count * 2 })
            for (name, cell) in zip(header, cells) { CSV.append(&w, name, cell: cell, infer: decoder.inferTypes) }
            each(.record(w.finish(), line: line))
        }
    }

    private func decodeText(_ line: UnsafeRawBufferPointer, _ number: Int, _ each: (RecordDecoder.Item) -> Void) {
        let text = String(decoding: line, as: UTF8.self)
        guard let fields = decoder.fields else {
            var w = BSONWriter(capacity: line.count + 32)
            w.append(decoder.lineField, string: text.trimmingLineEnd)
            return each(.record(w.finish(), line: number))
        }
        switch fields.parse(Substring(text.trimmingLineEnd)) {
        case let .success(pairs):
            var w = BSONWriter(capacity: line.count * 2 + 32)
            for (name, value) in pairs { CSV.append(&w, name, cell: value, infer: decoder.inferTypes) }
            each(.record(w.finish(), line: number))
        case let .failure(f):
            each(.malformed(line: number, raw: text, reason: "line \(number): \(f.reason)"))
        }
    }
}

extension String {
    fileprivate var trimmingLineEnd: String {
        var s = Substring(self)
        while let l = s.last, l == "\r" || l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
