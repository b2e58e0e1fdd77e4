import Foundation
import SluiceSDK

/// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines.
public enum CSV {
    /// Splits one logical record into fields. Returns nil when the record is
    /// incomplete (an open quote runs past the end): append the next line and retry.
    public static func fields(_ line: String, separator: Character = ",") -> [String]? {
        var out: [String] = []
        var field = ""
        var quoted = false
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: i)
                    if next < line.endIndex, line[next] == "\"" {
                        field.append("\"")
                        i = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"", field.isEmpty {
                quoted = true
            } else if c == separator {
                out.append(field)
                field = ""
            } else if c != "\r" {
                field.append(c)
            }
            i = line.index(after: i)
        }
        if quoted { return nil }
        out.append(field)
        return out
    }

    /// A header row's cells as field names: trimmed of spaces, and a name
    /// seen before in the row suffixed `_2`, `_3`, … (the first free one),
    /// as DuckDB does, so that a record is never an object with a repeated
    /// key. `renamed` says which, for a warning: `"id" (column 3) as "id_2"`.
    public static func headerNames(_ cells: [String]) -> (names: [String], renamed: [String]) {
        let trimmed = cells.map { $0.trimmingCharacters(in: .whitespaces) }
        var taken = Set(trimmed)
        var seen = Set<String>()
        var renamed: [String] = []
        let names = trimmed.enumerated().map { column, name -> String in
            guard !seen.insert(name).inserted else { return name }
            var n = 2
            while taken.contains("\(name)_\(n)") { n += 1 }
            let unique = "\(name)_\(n)"
            taken.insert(unique)
            renamed.append("\(name.debugDescription) (column \(column + 1)) as \(unique.debugDescription)")
            return unique
        }
        return (names, renamed)
    }

    /// Quotes a field when it needs it.
    public static func escape(_ s: String, separator: Character = ",") -> String {
        guard s.contains(separator) || s.contains("\"") || s.contains("\n") || s.contains("\r") else { return s }
        return "\"" + s.replacingQuotes() + "\""
    }

    /// Writes a cell under `key`, typed by `value(_:)` when `infer`, else as text.
    public static func append(_ w: inout BSONWriter, _ key: String, cell: String, infer: Bool) {
        guard infer else { return w.append(key, string: cell) }
        BSONFromJSON.append(&w, key, value(cell))
    }

    /// Types a CSV cell (`infer_types`): a cell becomes a number only when
    /// the number, written back, reads as the cell did (a decimal's trailing
    /// zeros aside), so that no digit, sign or spelling is lost:
    /// - empty: null;
    /// - `-?(0|[1-9][0-9]*)` within Int64: an integer; beyond it (digits a
    ///   double would round) and `-0` (written back as 0): text;
    /// - `-?(0|[1-9][0-9]*).[0-9]+` whose digits a double holds exactly
    ///   (`1.50` is 1.5): a double; more digits than a double keeps: text;
    /// - `true`, `TRUE`, `True` and `false`, `FALSE`, `False`: booleans;
    /// - anything else is text: leading zeros (`02134`, a zip code), a
    ///   leading `+` (a phone number), hex (`0x1A`), exponents (`1e5`),
    ///   `NaN`, `inf`, and spaces around a number (` 12`).
    public static func value(_ cell: String) -> JSONValue {
        if cell.isEmpty { return .null }
        if let number = number(cell) { return number }
        switch cell {
        case "true", "TRUE", "True": return .bool(true)
        case "false", "FALSE", "False": return .bool(false)
        default: return .string(cell)
        }
    }

    /// The integer or double that `cell` (not empty) spells exactly, as `value(_:)` says; else nil.
    private static func number(_ cell: String) -> JSONValue? {
        let text = cell.utf8
        var i = text.startIndex
        let negative = text[i] == UInt8(ascii: "-")
        if negative { i = text.index(after: i) }
        let integerStart = i
        while i < text.endIndex, isDigit(text[i]) { i = text.index(after: i) }
        let integerDigits = text.distance(from: integerStart, to: i)
        guard integerDigits > 0, integerDigits == 1 || text[integerStart] != UInt8(ascii: "0") else { return nil }
        guard i < text.endIndex else {
            if negative, integerDigits == 1, text[integerStart] == UInt8(ascii: "0") { return nil }
            return Int64(cell).map { .int($0) }
        }
        guard text[i] == UInt8(ascii: ".") else { return nil }
        i = text.index(after: i)
        let fractionStart = i
        while i < text.endIndex, isDigit(text[i]) { i = text.index(after: i) }
        guard i == text.endIndex, i != fractionStart, let d = Double(cell), d.isFinite,
              significantDigits(cell) == significantDigits(d.description) else { return nil }
        return .double(d)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    /// A decimal's digits without leading or trailing zeros, and where its
    /// point falls among them (`12.50` and `1.25e+1`: "125", 2): what two
    /// spellings of one number share.
    private static func significantDigits(_ decimal: String) -> (digits: [UInt8], point: Int) {
        var digits: [UInt8] = []
        var point: Int?
        var exponent = 0
        var text = decimal.utf8[...]
        while let c = text.first {
            text = text.dropFirst()
            if isDigit(c) {
                digits.append(c)
            } else if c == UInt8(ascii: ".") {
                point = digits.count
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text, as: UTF8.self)) ?? 0
                break
            }
        }
        var place = (point ?? digits.count) + exponent
        let leading = digits.prefix { $0 == UInt8(ascii: "0") }.count
        digits.removeFirst(leading)
        place -= leading
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return digits.isEmpty ? ([], 0) : (digits, place)
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for c in self {
            if c == "\"" { out.append("\"\"") } else { out.append(c) }
        }
        return out
    }
}
