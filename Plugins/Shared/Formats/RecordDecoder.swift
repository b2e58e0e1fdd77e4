import SluiceSDK

/// Turns a request or response body into records: one JSON object or an
/// array of them, JSON lines, CSV with a header row, or text lines.
///
/// Decoding never stops at a bad record: it is reported with its line, so a
/// source can dead-letter it and keep the rest.
public struct RecordDecoder: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case json, ndjson, csv, text
    }

    /// One decoded unit of a body.
    public enum Item {
        /// A BSON document and where it was: its 1-based line, or its item
        /// number in a JSON array.
        case record([UInt8], line: Int)
        /// Input that is not a record, with its 1-based line (0 for a whole-body error).
        case malformed(line: Int, raw: String, reason: String)
    }

    public let format: Format
    let separator: Character
    let inferTypes: Bool
    let fields: TextFields?
    let lineField: String
    /// The source's `utf8:` policy, applied to each line (to the whole body for JSON); nil: `reject`, uncounted.
    let utf8: UTF8Gate?

    /// The `csv:` and `text:` sub-objects of a component config shape the decoding.
    public init(format: Format, csv: Config?, text: Config?, utf8: UTF8Gate? = nil) throws {
        self.format = format
        self.utf8 = utf8
        separator = try csv?.string("separator")?.first ?? ","
        inferTypes = try (format == .csv ? csv : text)?.bool("infer_types", default: format == .csv) ?? (format == .csv)
        lineField = try text?.string("field") ?? "RawData"
        if let text, text.has("names") || text.has("regex") {
            fields = try TextFields(text, context: "text")
        } else {
            fields = nil
        }
    }

    /// Decodes `body`, calling `each` for every record or malformed unit in order.
    public func decode(_ body: UnsafeRawBufferPointer, _ each: (Item) -> Void) {
        switch format {
        case .json: decodeJSON(body, each)
        case .ndjson:
            forEachLine(body, each) { line, number in
                var w = BSONWriter(capacity: line.count + 32)
                do {
                    try BSONFromJSON.transcode(json: line, into: &w)
                    each(.record(w.finish(), line: number))
                } catch {
                    each(.malformed(line: number, raw: String(decoding: line, as: UTF8.self), reason: "line \(number): \(error)"))
                }
            }
        case .csv: decodeCSV(body, each)
        case .text:
            forEachLine(body, each) { line, number in
                let text = String(decoding: line, as: UTF8.self)
                guard let fields else {
                    var w = BSONWriter(capacity: line.count + 32)
                    w.append(lineField, string: text.trimmingLineEnd)
                    return each(.record(w.finish(), line: number))
                }
                switch fields.parse(Substring(text.trimmingLineEnd)) {
                case let .success(pairs):
                    var w = BSONWriter(capacity: line.count * 2 + 32)
                    for (name, value) in pairs { CSV.append(&w, name, cell: value, infer: inferTypes) }
                    each(.record(w.finish(), line: number))
                case let .failure(f):
                    each(.malformed(line: number, raw: text, reason: "line \(number): \(f.reason)"))
                }
            }
        }
    }

    private func decodeJSON(_ body: UnsafeRawBufferPointer, _ each: (Item) -> Void) {
        switch checkUTF8(body, place: "body") {
        case .valid: decodeValidJSON(body, each)
        case let .repaired(bytes): bytes.withUnsafeBytes { decodeValidJSON($0, each) }
        case let .invalid(at):
            each(.malformed(line: 0, raw: String(decoding: body.prefix(4096), as: UTF8.self), reason: UTF8Gate.reason(byte: at)))
        }
    }

    private func decodeValidJSON(_ body: UnsafeRawBufferPointer, _ each: (Item) -> Void) {
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch {
            return each(.malformed(line: 0, raw: String(decoding: body.prefix(4096), as: UTF8.self), reason: "\(error)"))
        }
        let items: [JSONValue]
        if case let .array(a) = value { items = a } else { items = [value] }
        for (i, item) in items.enumerated() {
            do { each(.record(try BSONFromJSON.document(item), line: i + 1)) } catch let error as JSONParseError {
                each(.malformed(line: 0, raw: JSONWriter.string(item), reason: "item \(i + 1): \(error.reason)"))
            } catch {
                each(.malformed(line: 0, raw: JSONWriter.string(item), reason: "item \(i + 1): \(error)"))
            }
        }
    }

    private func decodeCSV(_ body: UnsafeRawBufferPointer, _ each: (Item) -> Void) {
        var records = CSVRecords(separator: separator)
        forEachLine(body, each) { bytes, number in
            switch records.feed(Substring(String(decoding: bytes, as: UTF8.self)), number: number) {
            case nil, .header: break
            case let .mismatched(text, cells, expected, line):
                each(.malformed(line: line, raw: text, reason: "line \(line): expected \(expected) cells, found \(cells)"))
            case let .unterminated(text, line):
                each(.malformed(line: line, raw: text, reason: "line \(line): a quoted field still open after \(records.maxRecordBytes) bytes"))
            case let .record(cells, line):
                if let bad = records.header!.first(where: { $0.utf8.contains(0) }) {
                    return each(.malformed(line: line, raw: cells.joined(separator: String(separator)),
                                           reason: "line \(line): the header's column \(bad.debugDescription) holds a NUL character, which a field name cannot"))
                }
                var w = BSONWriter(capacity: cells.reduce(32) { $0 + $1.utf8.count * 2 })
                for (name, cell) in zip(records.header!, cells) { CSV.append(&w, name, cell: cell, infer: inferTypes) }
                each(.record(w.finish(), line: line))
            }
        }
        if let open = records.unfinished {
            each(.malformed(line: open.line, raw: open.text, reason: "line \(open.line): unterminated quoted field"))
        }
    }

    private func checkUTF8(_ bytes: UnsafeRawBufferPointer, place: @autoclosure () -> String) -> UTF8Gate.Verdict {
        if let utf8 { return utf8.check(bytes, place: place()) }
        return UTF8Validation.firstInvalidByte(bytes).map { .invalid(byte: $0) } ?? .valid
    }

    /// Calls `body` for each non-blank line with its 1-based number, after
    /// the `utf8:` policy: a rejected line goes to `each` as malformed instead.
    private func forEachLine(_ bytes: UnsafeRawBufferPointer, _ each: (Item) -> Void, _ body: (UnsafeRawBufferPointer, Int) -> Void) {
        var start = 0
        var number = 0
        while start < bytes.count {
            number += 1
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            var last = end
            if last > start, bytes[last - 1] == 0x0D { last -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: bytes[start ..< last])
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
                switch checkUTF8(line, place: "line \(number)") {
                case .valid: body(line, number)
                case let .repaired(fixed): fixed.withUnsafeBytes { body($0, number) }
                case let .invalid(at):
                    each(.malformed(line: number, raw: String(decoding: line, as: UTF8.self), reason: "line \(number): \(UTF8Gate.reason(byte: at))"))
                }
            }
            start = end + 1
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
