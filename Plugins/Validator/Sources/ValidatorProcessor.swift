import Foundation
import SluiceSchema
import SluiceSDK

/// `validator.validate`: optionally parses a raw text field and coerces
/// types, then checks each record against a JSON Schema.
///
/// Valid records pass on (byte-for-byte when nothing was parsed or coerced);
/// invalid ones go to the dead-letter queue with every failing path and
/// reason, or are dropped with `on_invalid: drop`.
public final class ValidatorProcessor: Processor {
    public static let name = "validate"
    public static let summary = "JSON Schema (2020-12) validation with optional text-line parsing and type coercion"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false,
     "properties": {
       "schema": {"type": ["object", "boolean"],
                  "description": "the JSON Schema records must match (2020-12, or draft 7 by $schema)"},
       "schema_file": {"type": "string", "format": "path",
                       "description": "or a file holding it, relative to the manifest; relative $refs resolve from its folder"},
       "schema_dir": {"type": "string", "format": "path", "default": ".", "description": "where relative $refs of an inline schema resolve, relative to the manifest (the default, \".\", is the manifest's folder)"},
       "format_assertion": {"type": "boolean", "default": false,
                            "description": "check format (date-time, email, uri...) instead of treating it as an annotation"},
       "max_errors": {"type": "integer", "minimum": 1, "default": 10,
                      "description": "failures listed in a dead-lettered record's reason"},
       "parse": {"type": "object", "required": ["field"], "additionalProperties": false,
                 "description": "split a text field into fields before coerce and the schema: by names and separator, or by regex. Parsed fields replace fields of the same name, as strings unless coerce names them; text that does not parse makes the record invalid",
                 "properties": {"field": {"type": "string", "description": "the top-level field holding the text; a record without it, or with a non-string, is invalid"},
                                "names": {"type": "array", "items": {"type": "string"}, "description": "the fields the text splits into, in order; another number of parts makes the record invalid"},
                                "separator": {"type": "string", "description": "with names: its first character separates the fields (default: runs of spaces and tabs)"},
                                "regex": {"type": "string", "description": "named groups (?<name>...) become the fields; wins over names"},
                                "drop_source": {"type": "boolean", "description": "true: the parsed text field is left out of the record (default false)"}}},
       "coerce": {"type": "object", "additionalProperties": {"type": ["string", "object"]},
                  "description": "top-level or parsed field → the type its value is converted to before the schema: number, integer, string, boolean, date, or {type: date, format or formats (patterns such as MM/dd/yyyy hh:mm:ss a, tried after ISO 8601), timezone or utc_offset_minutes for times without an offset (default UTC), epoch_unit of an integer: s or ms (default ms)}; a value that does not convert makes the record invalid"},
       "on_invalid": {"enum": ["dead_letter", "drop"], "default": "dead_letter",
                      "description": "what becomes of an invalid record: dead_letter sends it to the dead-letter queue with the reasons; drop discards it. Both count it in invalid_records_total"}
     }}
    """#

    /// A key's default, read from `configSchema` so it is declared in one place.
    static func defaultValue(_ key: String) -> JSONValue {
        (try? JSONParser.parse(configSchema))?["properties"]?[key]?["default"] ?? .null
    }

    let schema: JSONSchema?
    let validator: SchemaValidator?
    let maxErrors: Int
    let parser: LineParser?
    let parserScratch: MatchData?
    let coercions: [String: Coercion]
    let dropInvalid: Bool
    let invalid: Metric
    var writer = BSONWriter(capacity: 512)

    public required init(config: Config, host: PluginHost) throws {
        schema = try Self.compile(config)
        validator = schema.map(SchemaValidator.init)
        maxErrors = try config.int("max_errors", default: Int(Self.defaultValue("max_errors").integer!))
        parser = try config.object("parse").map { try LineParser($0) }
        parserScratch = parser?.makeScratch()
        var coercions: [String: Coercion] = [:]
        for m in try config.object("coerce")?.json ?? JSONObject() { coercions[m.key] = try Coercion(m.value, field: m.key) }
        self.coercions = coercions
        dropInvalid = try config.string("on_invalid", default: Self.defaultValue("on_invalid").string!) == "drop"
        invalid = host.metric(.counter, "invalid_records_total", help: "records that failed parsing, coercion or the schema")
    }

    /// Building a validator has no side effect: it reads the schema file and
    /// compiles the schema, the patterns and the date formats.
    public static func check(config: Config, host: PluginHost) throws {
        _ = try ValidatorProcessor(config: config, host: host)
    }

    public func process(_ batch: Batch, _ output: Output) throws {
        let bad = parser == nil && coercions.isEmpty ? checkAsIs(batch, output) : transformAndCheck(batch, output)
        if bad > 0 { invalid.record(Double(bad)) }
    }

    /// Without parse or coerce: each record is forwarded as it is, or fails.
    /// The schema's validator is taken once per batch: taken per record, it
    /// cost a retain and a release each. Returns the invalid records' count.
    private func checkAsIs(_ batch: Batch, _ output: Output) -> Int {
        guard let validator else {
            for record in batch { output.forward(record) }
            return 0
        }
        var bad = 0
        for record in batch {
            if validator.isValid(record.document) {
                output.forward(record)
                continue
            }
            bad += 1
            if !dropInvalid { output.fail(record.index, reason(record.document, validator)) }
        }
        return bad
    }

    /// With parse or coerce: each record's new document is emitted, or it fails.
    /// Returns the invalid records' count.
    private func transformAndCheck(_ batch: Batch, _ output: Output) -> Int {
        var bad = 0
        for record in batch {
            switch transform(record.document) {
            case let .failure(reason):
                bad += 1
                if !dropInvalid { output.fail(record.index, reason.text) }
            case let .success(bytes):
                let failure = bytes.withUnsafeBytes { check(BSONDocument($0)) }
                if let failure {
                    bad += 1
                    if !dropInvalid { output.fail(record.index, failure) }
                } else {
                    bytes.withUnsafeBytes { _ = output.emit($0, inputIndex: record.index) }
                }
            }
        }
        return bad
    }

    /// The schema of `config` (`schema`, or `schema_file`), compiled; a
    /// `SluiceError.config` naming the key when it cannot be.
    public static func compile(_ config: Config) throws -> JSONSchema? {
        var options = SchemaOptions(formatAssertion: try config.bool("format_assertion", default: defaultValue("format_assertion").bool!),
                                    directory: try config.string("schema_dir"))
        var json = config["schema"]
        if let path = try config.string("schema_file") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SluiceError.config("schema_file: cannot read \(path)")
            }
            do { json = try JSONParser.parse(text) } catch { throw SluiceError.config("schema_file: \(path): \(error)") }
            options.file = path
        }
        do {
            return try json.map { try JSONSchema($0, options: options) }
        } catch {
            // An inline schema's error is led by the path of the bad keyword in
            // it ("schema.properties.t.type: …"), so the host points at that line.
            let inner = options.file == nil ? (error as? SchemaError).flatMap { $0.path.hasPrefix("/") ? $0.path.split(separator: "/").joined(separator: ".") : nil } ?? "" : ""
            let key = options.file == nil ? "schema" + (inner.isEmpty ? "" : "." + inner) : "schema_file"
            throw SluiceError.config("\(key): \(error)")
        }
    }

    /// The schema's failures (at most `max_errors`), each with its instance
    /// path, reason and schema path, joined into one reason; nil when valid.
    /// Valid records, the common case, stop at no failure and build no text.
    func check(_ doc: BSONDocument) -> String? {
        guard let validator, !validator.isValid(doc) else { return nil }
        return reason(doc, validator)
    }

    /// Why `doc`, which `validator` found invalid, is: its failures joined into one reason.
    private func reason(_ doc: BSONDocument, _ validator: SchemaValidator) -> String {
        validator.validate(doc, limit: maxErrors).map { "\($0.description) (at \($0.schemaPath))" }.joined(separator: "; ")
    }

    struct Reason: Error {
        let text: String
    }

    /// Applies parse and coerce, returning the new document's bytes.
    func transform(_ doc: BSONDocument) -> Result<[UInt8], Reason> {
        var parsed: [(String, String)] = []
        if let parser {
            guard let raw = doc[parser.field] else { return .failure(Reason(text: "/\(parser.field): missing, nothing to parse")) }
            guard let text = raw.string else { return .failure(Reason(text: "/\(parser.field): expected text to parse, got \(raw.type.jsonTypeName)")) }
            switch parser.parse(text, scratch: parserScratch) {
            case let .success(fields): parsed = fields
            case let .failure(f): return .failure(Reason(text: f.reason))
            }
        }
        let parsedNames = Set(parsed.map(\.0))
        var problems: [String] = []
        writer.reset()
        for e in doc.elements {
            let key = e.key
            if parsedNames.contains(key) { continue }
            if let parser, parser.dropSource, key == parser.field { continue }
            if let c = coercions[key] {
                if let problem = c.append(&writer, key, e) { problems.append("/\(key): \(problem)") }
            } else {
                writer.append(e)
            }
        }
        for (name, text) in parsed {
            if let c = coercions[name] {
                if let problem = c.append(&writer, name, text: text) { problems.append("/\(name): \(problem)") }
            } else {
                writer.append(name, string: text)
            }
        }
        if !problems.isEmpty { return .failure(Reason(text: problems.joined(separator: "; "))) }
        return .success(writer.finish())
    }
}
