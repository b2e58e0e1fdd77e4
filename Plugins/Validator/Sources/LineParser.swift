import SluiceFormats
import SluiceSchema
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

    /// Match data for `parse(_:scratch:)`; nil when no regex is configured.
    public func makeScratch() -> MatchData? { fields.makeScratch() }

    /// The fields of `text` in `names` order, or why it does not parse; a
    /// regex matches with `scratch` when given (the processor keeps one).
    public func parse(_ text: String, scratch: MatchData? = nil) -> Result<[(String, String)], TextFields.Failure> {
        fields.parse(Substring(text), scratch: scratch).mapError { TextFields.Failure(reason: "\(field): \($0.reason)") }
    }
}
