/// A schema that cannot be compiled (unknown type name, bad regex, dangling $ref).
public struct SchemaError: Error, CustomStringConvertible, Sendable {
    /// JSON Pointer into the schema.
    public let path: String
    public let reason: String
    public var description: String { "invalid schema at \(path.isEmpty ? "/" : path): \(reason)" }
}

/// One reason an instance does not match a schema.
public struct ValidationFailure: Equatable, CustomStringConvertible, Sendable {
    /// JSON Pointer into the instance ("" is the whole record).
    public let path: String
    /// The keyword that failed, e.g. "maximum".
    public let keyword: String
    public let reason: String
    public var description: String { "\(path.isEmpty ? "/" : path): \(reason)" }
}
