import SluiceSDK

/// The record encodings the file plugin reads and writes.
public enum FileFormat: String, Sendable {
    /// One JSON object per line (Extended JSON for dates and ids).
    case ndjson
    /// RFC 4180 CSV with a header row.
    case csv
    /// Plain text: each line is one record `{<field>: "line"}`.
    case lines

    /// The format a path's extension suggests, in any case (`.CSV` from a
    /// spreadsheet export is csv): `.csv` and `.tsv` csv, `.txt` and `.log`
    /// lines, anything else ndjson.
    public static func guess(path: String) -> FileFormat {
        switch pathExtension(path) {
        case "csv", "tsv": return .csv
        case "txt", "log": return .lines
        default: return .ndjson
        }
    }

    /// The `format` key of a file component's config, else the path's guess.
    static func configured(_ config: Config, path: String) throws -> FileFormat {
        try FileFormat(rawValue: config.string("format") ?? guess(path: path).rawValue) ?? .ndjson
    }

    /// csv: the `separator` key of a file component's config, else a tab
    /// for a `.tsv` path (tab-separated values) and a comma for any other.
    static func separator(_ config: Config, path: String) throws -> Character {
        try config.string("separator")?.first ?? (pathExtension(path) == "tsv" ? "\t" : ",")
    }

    /// The text after the last dot of the last path component, lower-cased.
    private static func pathExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: ".") else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}
