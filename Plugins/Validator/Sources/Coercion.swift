import SluiceFormats
import SluiceSDK

/// A type conversion applied to a field before validation, e.g. the text
/// "26.04" to the double 26.04, or "08/30/2013 08:00:00 AM" to a date.
public enum Coercion: Sendable {
    case number
    case integer
    case string
    case boolean
    /// ISO 8601, or the given patterns tried in order, in `zone` when the
    /// text has no offset; epoch numbers in `epochUnitMillis`.
    case date(formats: [DateFormat], zone: LocalTimeZone, epochUnitMillis: Int64)

    public init(_ spec: JSONValue, field: String) throws {
        func fail(_ why: String) -> SluiceError { .config("coerce.\(field): \(why)") }
        let type: String
        var options = JSONObject()
        if let s = spec.string {
            type = s
        } else if let o = spec.object, let t = o["type"]?.string {
            type = t
            options = o
        } else {
            throw fail("expected a type name or {type: ..., format: ...}")
        }
        switch type {
        case "number", "double": self = .number
        case "integer", "long": self = .integer
        case "string": self = .string
        case "boolean": self = .boolean
        case "date", "date-time":
            var formats: [DateFormat] = []
            if let f = options["format"]?.string { formats.append(DateFormat(f)) }
            for f in options["formats"]?.array ?? [] {
                guard let s = f.string else { throw fail("formats must be strings") }
                formats.append(DateFormat(s))
            }
            let unit: Int64
            switch options["epoch_unit"]?.string ?? "ms" {
            case "s": unit = 1000
            case "ms": unit = 1
            default: throw fail("epoch_unit is s or ms")
            }
            let zone: LocalTimeZone
            if let name = options["timezone"]?.string {
                zone = try LocalTimeZone(name, key: "coerce.\(field).timezone")
            } else {
                zone = .fixed(minutes: Int(options["utc_offset_minutes"]?.integer ?? 0))
            }
            self = .date(formats: formats, zone: zone, epochUnitMillis: unit)
        default: throw fail("unknown type \(type.debugDescription) (number, integer, string, boolean, date)")
        }
    }

    /// Writes `element` converted under `key`, or returns why it cannot be.
    func append(_ w: inout BSONWriter, _ key: String, _ element: BSONElement) -> String? {
        if let text = element.string { return append(&w, key, text: text) }
        switch self {
        case .number:
            guard let d = element.number else { return cannot(element) }
            w.append(key, double: d)
        case .integer:
            guard let i = element.integer else { return cannot(element) }
            w.append(key, int64: i)
        case .string:
            w.append(key, string: JSONWriter.string(element.jsonValue))
        case .boolean:
            guard let b = element.bool ?? element.integer.flatMap({ $0 == 0 ? false : $0 == 1 ? true : nil }) else { return cannot(element) }
            w.append(key, bool: b)
        case let .date(_, _, unit):
            if let ms = element.datetime {
                w.append(key, datetime: ms)
            } else if let n = element.integer {
                w.append(key, datetime: n * unit)
            } else {
                return cannot(element)
            }
        }
        return nil
    }

    /// Converts text (from the record or from the parse step).
    public func append(_ w: inout BSONWriter, _ key: String, text raw: String) -> String? {
        let text = raw.trimmingSpaces
        switch self {
        case .number:
            guard let d = Double(text), d.isFinite else { return "cannot convert \(raw.debugDescription) to a number" }
            w.append(key, double: d)
        case .integer:
            if let i = Int64(text) {
                w.append(key, int64: i)
            } else if let d = Double(text), d.rounded() == d, abs(d) < 9.2e18 {
                w.append(key, int64: Int64(d))
            } else {
                return "cannot convert \(raw.debugDescription) to an integer"
            }
        case .string:
            w.append(key, string: raw)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": w.append(key, bool: true)
            case "false", "0", "no": w.append(key, bool: false)
            default: return "cannot convert \(raw.debugDescription) to a boolean"
            }
        case let .date(formats, zone, unit):
            let parsed = zone.resolve { offset in
                ISO8601.parse(text, defaultOffsetMinutes: offset) ?? formats.lazy.compactMap { $0.parse(text, offsetMinutes: offset) }.first
            }
            if let ms = parsed {
                w.append(key, datetime: ms)
            } else if let n = Int64(text) {
                w.append(key, datetime: n * unit)
            } else {
                let expected = formats.isEmpty ? "ISO 8601" : formats.map(\.pattern).joined(separator: " or ")
                return "cannot convert \(raw.debugDescription) to a date (expected \(expected))"
            }
        }
        return nil
    }

    private func cannot(_ e: BSONElement) -> String {
        "cannot convert \(JSONWriter.string(e.jsonValue)) (\(e.type.jsonTypeName)) to \(self.name)"
    }

    var name: String {
        switch self {
        case .number: return "a number"
        case .integer: return "an integer"
        case .string: return "a string"
        case .boolean: return "a boolean"
        case .date: return "a date"
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
