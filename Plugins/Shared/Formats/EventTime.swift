import Foundation
import SluiceSDK

/// Reads a record's event time from one of its fields.
///
/// Config: `{field, format: iso8601 | epoch_s | epoch_ms | "<pattern>", timezone}`.
/// A pattern is `DateFormat`'s (`MM/dd/yyyy hh:mm:ss a`). `timezone` applies to
/// times without an offset: `UTC`, `+05:30`, or an IANA name such as
/// `America/Chicago` (daylight saving included).
public struct EventTime: Sendable {
    enum Format: Sendable {
        case iso8601
        case epoch(millisPerUnit: Int64)
        case pattern(DateFormat)
    }

    enum Zone: Sendable {
        case fixed(minutes: Int)
        case named(TimeZone)
    }

    public let field: String
    let format: Format
    let zone: Zone

    public init(_ config: Config) throws {
        field = try config.requiredString("field")
        switch try config.string("format", default: "iso8601") {
        case "iso8601", "iso-8601", "rfc3339": format = .iso8601
        case "epoch_s", "epoch": format = .epoch(millisPerUnit: 1000)
        case "epoch_ms": format = .epoch(millisPerUnit: 1)
        case let pattern: format = .pattern(DateFormat(pattern))
        }
        let name = try config.string("timezone", default: "UTC")
        if let minutes = EventTime.offsetMinutes(name) {
            zone = .fixed(minutes: minutes)
        } else if let tz = TimeZone(identifier: name) {
            zone = .named(tz)
        } else {
            throw SluiceError.config("event_time.timezone: unknown time zone \(name.debugDescription) (UTC, +05:30 or an IANA name like America/Chicago)")
        }
    }

    /// Milliseconds since the epoch, or why the field gives none.
    public func millis(in document: BSONDocument) -> Result<Int64, Failure> {
        guard let element = document[field] else { return .failure(Failure(reason: "event_time: no field \(field.debugDescription)")) }
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
            return localToUTC { ISO8601.parse(text, defaultOffsetMinutes: $0) }
        case let .pattern(p):
            return localToUTC { p.parse(text, offsetMinutes: $0) }
        }
    }

    /// Resolves a wall-clock time in `zone`. For a named zone the offset is
    /// looked up at the instant itself, twice, so times near a DST change settle.
    private func localToUTC(_ parse: (Int) -> Int64?) -> Int64? {
        switch zone {
        case let .fixed(minutes): return parse(minutes)
        case let .named(tz):
            guard let asUTC = parse(0) else { return nil }
            func offsetMillis(_ ms: Int64) -> Int64 { Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000 }
            let guess = asUTC - offsetMillis(asUTC)
            let ms = asUTC - offsetMillis(guess)
            // A text with its own offset parses to the same instant whatever the default.
            return parse(1) == asUTC ? asUTC : ms
        }
    }

    private var formatName: String {
        switch format {
        case .iso8601: return "ISO 8601"
        case .epoch: return "epoch time"
        case let .pattern(p): return p.pattern.debugDescription
        }
    }

    static func offsetMinutes(_ s: String) -> Int? {
        if s == "UTC" || s == "Z" { return 0 }
        let u = Array(s.utf8)
        guard u.count == 6, u[0] == 43 || u[0] == 45, u[3] == 58,
              let h = Int(String(decoding: u[1 ..< 3], as: UTF8.self)), let m = Int(String(decoding: u[4 ..< 6], as: UTF8.self))
        else { return nil }
        return (u[0] == 45 ? -1 : 1) * (h * 60 + m)
    }

    public struct Failure: Error {
        public let reason: String
    }
}
