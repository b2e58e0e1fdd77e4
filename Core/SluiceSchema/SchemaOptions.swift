/// How a schema is read.
public struct SchemaOptions: Sendable {
    /// Whether `format` asserts (the format-assertion vocabulary); by default
    /// it is an annotation, as draft 2020-12 says.
    public var formatAssertion: Bool
    /// The file the schema was read from: its folder is where relative
    /// references to other files resolve.
    public var file: String?
    /// Where relative references resolve for a schema that is not in a file
    /// (default: the working directory).
    public var directory: String?

    public init(formatAssertion: Bool = false, file: String? = nil, directory: String? = nil) {
        self.formatAssertion = formatAssertion
        self.file = file
        self.directory = directory
    }
}
