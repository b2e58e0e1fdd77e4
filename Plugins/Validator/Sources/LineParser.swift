import SluiceFormats
import SluiceSDK

/// The `parse:` step: structures a raw text field into named fields (see `TextFields`).
public struct LineParser: Sendable {
    public let field: String
    public let dropSource: Bool
    let fields: TextFields

    public var names: [String] { fields.names }

    public init(_ config: Config) throws {
        field = try config.requiredString("field")
        dropSource = try config.bool("drop_source", default: false)
        fields = try TextFields(config, context: "parse")
    }

    /// The fields of `text` in `names` order, or why it does not parse.
    public func parse(_ text: String) -> Result<[(String, String)], TextFields.Failure> {
        fields.parse(Substring(text)).mapError { TextFields.Failure(reason: "\(field): \($0.reason)") }
    }
}
