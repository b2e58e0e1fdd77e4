/// A schema that cannot be compiled (unknown type name, bad regex, dangling
/// or remote `$ref`, a reference cycle that never moves into the instance).
public struct SchemaError: Error, CustomStringConvertible, Sendable {
    /// Where in the schema: a JSON Pointer into the root schema, or an
    /// absolute URI with a pointer fragment in another file.
    public let path: String
    public let reason: String
    public var description: String { "invalid schema at \(path.isEmpty ? "/" : path): \(reason)" }
}

/// One reason an instance does not match a schema: an output unit of the
/// specification's "basic" output format.
public struct ValidationFailure: Equatable, CustomStringConvertible, Sendable {
    /// JSON Pointer into the instance ("" is the whole record): `instanceLocation`.
    public let path: String
    /// The keyword that failed, e.g. "maximum".
    public let keyword: String
    public let reason: String
    /// The failing keyword in the schema (`/properties/t/maximum`; a `false`
    /// schema's own place): `keywordLocation`, absolute in a resource other than the root.
    public let schemaPath: String

    /// A failure of `keyword` at `schemaPath` for the value at `path`, because of `reason`.
    public init(path: String, keyword: String, reason: String, schemaPath: String) {
        self.path = path
        self.keyword = keyword
        self.reason = reason
        self.schemaPath = schemaPath
    }

    public var description: String { "\(path.isEmpty ? "/" : path): \(reason)" }
}
