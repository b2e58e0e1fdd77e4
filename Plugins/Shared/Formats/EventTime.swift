import SluiceSDK

/// Reads a record's event time from one of its fields.
///
/// Config: `{field, format: iso8601 | epoch_s | epoch_ms | "<pattern>", timezone}`.
/// A pattern is `DateFormat`'s (`MM/dd/yyyy hh:mm:ss a`). `timezone` applies to
/// times without an offset: `UTC`, `+05:30`, or an IANA name such as
/// `America/Chicago` (daylight saving included).
public struct EventTime: Sendable {
    /// The `event_time` config key's schema, shared by every source that reads one.
    public static let schema = #"""
       "event_time": {"type": "object", "additionalProperties": false, "required": ["field"],
         "description": "the record's event time from one of its fields",
         "properties": {
           "field": {"type": "string", "description": "field holding the time, a top-level key or else a dotted path (meta.ts): a BSON date, a string in format, or a number with epoch_s or epoch_ms; a record without it is dead-lettered (a pushed request is answered 400)"},
           "format": {"type": "string", "description": "iso8601 (default), epoch_s, epoch_ms or a pattern like MM/dd/yyyy hh:mm:ss a"},
           "timezone": {"type": "string", "description": "for times without an offset: UTC (default), +05:30 or an IANA name (America/Chicago)"}}}
    """#

    enum Format: Sendable {
        case iso8601
        case epoch(millisPerUnit: Int64)
        case pattern(DateFormat)
    }

    public let field: String
    let format: Format
    let zone: LocalTimeZone

    public init(_ config: Config) throws {
        field = try config.requiredString("field")
        switch try config.string("format", default: "iso8601") {
        case "iso8601", "iso-8601", "rfc3339": format = .iso8601
        case "epoch_s", "epoch": format = .epoch(millisPerUnit: 1000)
        case "epoch_ms": format = .epoch(millisPerUnit: 1)
        case let pattern: format = .pattern(DateFormat(pattern))
        }
        zone = try LocalTimeZone(try config.string("timezone", default: "UTC"), key: "event_time.timezone")
    }

    /// Milliseconds since the epoch, or why the field gives none.
    public func millis(in document: BSONDocument) -> Result<Int64, Failure> {
        // A top-level key first (keys may hold a '.'), then the dotted path, as file.read's event_time_field.
        guard let element = document[field] ?? document.element(path: field) else {
            return .failure(Failure(reason: "event_time: no field \(field.debugDescription)"))
        }
        if let ms = element.datetime { return .success(ms) }
        if let n = element.number, case let .epoch(unit) = format { return .success(Int64(n * Double(unit))) }
        guard let text = element.string else {
            return .failure(Failure(reason: "event_time: \(field) is \(element.type.jsonTypeName), not a time"))
        }
        guard let ms = parse(text) else {
            return .failure(Failure(reason: "event_time: cannot read \(text.debugDescription) in \(field) as \(formatName)"))
        }
        return .success(ms)
    }

    /// Milliseconds since the epoch for `text`, or nil.
    public func parse(_ text: String) -> Int64? {
        switch format {
        case let .epoch(unit):
            return Double(text).map { Int64($0 * Double(unit)) }
        case .iso8601:
            return zone.resolve { ISO8601.parse(text, defaultOffsetMinutes: $0) }
        case let .pattern(p):
            return zone.resolve { p.parse(text, offsetMinutes: $0) }
        }
    }

    private var formatName: String {
        switch format {
        case .iso8601: return "ISO 8601"
        case .epoch: return "epoch time"
        case let .pattern(p): return p.pattern.debugDescription
        }
    }

    public struct Failure: Error {
        public let reason: String
    }
}
