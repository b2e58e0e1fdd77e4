/// A problem with a manifest, pointing at the file, line, column and key.
public struct ManifestError: Error, CustomStringConvertible, Sendable {
    public let location: SourceLocation?
    /// Dotted path of the offending key, e.g. "sinks.out.inputs".
    public let key: String
    public let message: String

    public init(_ location: SourceLocation?, key: String, _ message: String) {
        self.location = location
        self.key = key
        self.message = message
    }

    public var description: String {
        let at = location.map { "\($0): " } ?? ""
        return key.isEmpty ? "\(at)\(message)" : "\(at)\(key): \(message)"
    }
}

/// Every problem found in one pass, so a user fixes them all at once.
public struct ManifestErrors: Error, CustomStringConvertible, Sendable {
    public let errors: [ManifestError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }

    public init(errors: [ManifestError]) { self.errors = errors }
}
