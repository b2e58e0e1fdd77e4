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
        guard format != .json else { return decodeJSON(body, each) }
        var lines = RecordLines(self)
        var splitter = LineSplitter()
        // Unbounded lines: the whole body is in memory already.
        try? splitter.feed(body) { lines.feed($0, number: $1, each) }
        splitter.finish { lines.feed($0, number: $1, each) }
        lines.finish(each)
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

    func checkUTF8(_ bytes: UnsafeRawBufferPointer, place: @autoclosure () -> String) -> UTF8Gate.Verdict {
        if let utf8 { return utf8.check(bytes, place: place()) }
        return UTF8Validation.firstInvalidByte(bytes).map { .invalid(byte: $0) } ?? .valid
    }
}
