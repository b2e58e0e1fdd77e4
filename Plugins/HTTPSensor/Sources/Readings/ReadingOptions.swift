import Foundation
import SluiceFormats
import SluiceSDK

/// What poll and push share: how bodies become readings, and which readings pass.
struct ReadingOptions: Sendable {
    /// The configured format; nil: chosen per response or request from its Content-Type.
    let format: RecordDecoder.Format?
    /// One decoder per format, built once: a text regex is compiled at start, not per body.
    let decoders: [RecordDecoder.Format: RecordDecoder]
    let eventTime: EventTime?
    /// `utf8:`, applied by every decoder (and by push's streamed JSON arrays).
    let utf8: UTF8Gate

    /// The config keys both modes accept, as JSON Schema properties.
    static let schema = #"""
       "format": {"enum": ["json", "ndjson", "csv", "text"], "description": "default: from Content-Type, else json"},
       "csv": {"type": "object", "additionalProperties": false, "description": "csv format: a header row, then one reading per row", "properties": {
         "separator": {"type": "string", "minLength": 1, "maxLength": 1, "description": "the character between fields (default ,)"},
         "infer_types": {"type": "boolean", "description": "numbers and booleans become typed values (default true), as file.read's infer_types: a cell becomes a number only when the number written back reads the same (02134, +1555, 0x1A, 1e5 stay text)"}}},
       "text": {"type": "object", "additionalProperties": false, "description": "text format: one reading per line, the whole line in field, or fields split by names or matched by regex", "properties": {
         "field": {"type": "string", "description": "without names/regex: the field that holds the whole line (RawData)"},
         "names": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "the fields a line splits into, in order; a line with another number of parts is malformed"},
         "regex": {"type": "string", "description": "named groups (?<name>...) become fields"},
         "separator": {"type": "string", "minLength": 1, "maxLength": 1, "description": "with names: the character between fields (default: runs of spaces and tabs)"},
         "infer_types": {"type": "boolean", "description": "with names or regex: numbers and booleans become typed values (default false)"}}},
    """# + EventTime.schema + #"""
       ,
       "dedupe_key": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}], "description": "top-level field, or list of fields, whose values identify a reading: one whose values were seen among the last dedupe_window is dropped (poll counts it in duplicates_dropped_total, push in its answer's duplicates); a reading with none of them always passes"},
       "dedupe_window": {"type": "integer", "minimum": 1, "description": "how many recent keys are remembered (100000)"},
    """# + UTF8Policy.schemaMember

    init(_ config: Config, host: PluginHost) throws {
        let utf8 = try UTF8Gate(config, host: host)
        self.utf8 = utf8
        let csv = try config.object("csv")
        let text = try config.object("text")
        if let name = try config.string("format") {
            guard let f = RecordDecoder.Format(rawValue: name) else { throw SluiceError.config("format: unknown \(name)") }
            format = f
        } else {
            format = nil
        }
        var decoders: [RecordDecoder.Format: RecordDecoder] = [:]
        for f in format.map({ [$0] }) ?? RecordDecoder.Format.allCases {
            decoders[f] = try RecordDecoder(format: f, csv: csv, text: text, utf8: utf8)
        }
        self.decoders = decoders
        eventTime = try config.object("event_time").map { try EventTime($0) }
    }

    /// The repeat filter `dedupe_key` asks for, if any.
    static func dedupe(_ config: Config) throws -> Dedupe? {
        let keys = try config.string("dedupe_key").map { [$0] } ?? config.strings("dedupe_key")
        let window = try config.int("dedupe_window", default: 100_000)
        return keys.map { Dedupe(fields: $0, capacity: window) }
    }

    /// The decoder for a body: the configured format, else the one its media type names.
    func decoder(contentType: String?) -> RecordDecoder {
        decoders[format ?? Self.format(contentType: contentType)]!
    }

    /// The format a media type names (parameters, surrounding blanks and case
    /// ignored), json for any other. Compared byte by byte: it runs for every
    /// pushed request, where Foundation's trimming and a lowercased copy cost
    /// more than decoding a small body's readings.
    static func format(contentType: String?) -> RecordDecoder.Format {
        var contentType = contentType ?? ""
        return contentType.withUTF8 { bytes in
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            var start = 0
            while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
            while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
            let type = UnsafeBufferPointer(rebasing: bytes[start ..< end])
            for (name, format) in mediaTypes where name.count == type.count {
                if zip(name, type).allSatisfy({ $0 == ($1 >= UInt8(ascii: "A") && $1 <= UInt8(ascii: "Z") ? $1 | 0x20 : $1) }) {
                    return format
                }
            }
            return .json
        }
    }

    /// Lowercase, as `format(contentType:)` compares them.
    private static let mediaTypes: [([UInt8], RecordDecoder.Format)] = [
        ("application/x-ndjson", .ndjson), ("application/ndjson", .ndjson), ("application/jsonl", .ndjson),
        ("application/x-jsonlines", .ndjson), ("text/csv", .csv), ("text/plain", .text),
    ].map { (Array($0.utf8), $1) }
}
