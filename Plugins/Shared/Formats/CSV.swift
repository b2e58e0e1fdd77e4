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

    /// Types a CSV cell: integers, then decimals, then true/false; empty is null; else text.
    public static func value(_ cell: String) -> JSONValue {
        if cell.isEmpty { return .null }
        if let i = Int64(cell) { return .int(i) }
        if let first = cell.utf8.first, first == 45 || first == 46 || (48 ... 57).contains(first), let d = Double(cell), d.isFinite {
            return .double(d)
        }
        switch cell {
        case "true", "TRUE", "True": return .bool(true)
        case "false", "FALSE", "False": return .bool(false)
        default: return .string(cell)
        }
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
