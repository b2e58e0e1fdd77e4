import SluiceSDK

/// The record encodings the file plugin reads and writes.
public enum FileFormat: String, Sendable {
    /// One JSON object per line (Extended JSON for dates and ids).
    case ndjson
    /// RFC 4180 CSV with a header row.
    case csv
    /// Plain text: each line is one record `{<field>: "line"}`.
    case lines

    /// The format a path's extension suggests.
    public static func guess(path: String) -> FileFormat {
        if path.hasSuffix(".csv") { return .csv }
        if path.hasSuffix(".txt") || path.hasSuffix(".log") { return .lines }
        return .ndjson
    }

    /// The `format` key of a file component's config, else the path's guess.
    static func configured(_ config: Config, path: String) throws -> FileFormat {
        try FileFormat(rawValue: config.string("format") ?? guess(path: path).rawValue) ?? .ndjson
    }
}
