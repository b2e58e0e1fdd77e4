import SluiceSDK

/// A JSON Schema (draft 2020-12, or draft 7 when `$schema` says so),
/// compiled once and checked directly against BSON documents: no
/// conversion to JSON on the hot path.
///
/// The core, applicator, unevaluated, validation, meta-data and
/// format-annotation vocabularies (format-assertion with
/// `SchemaOptions.formatAssertion`); `$ref`, `$dynamicRef`, `$anchor` and
/// `$dynamicAnchor` resolved at compile time against `$id` base URIs,
/// including other files. Strings compare and count by code point, numbers
/// by exact value. BSON dates and ObjectIds count as strings; a BSON date
/// satisfies `format: date-time`. The content vocabulary is annotation only.
public final class JSONSchema: Sendable {
    let nodes: [SchemaNode]
    /// The nodes as the validator walks them.
    let program: Program
    let root: Int
    /// Whether any `$dynamicRef` may resolve differently by scope (else the walk keeps no scope).
    let usesDynamicScope: Bool
    public let source: JSONValue

    /// Compiles `schema`, or throws `SchemaError` naming the place and the reason.
    public init(_ schema: JSONValue, options: SchemaOptions = SchemaOptions()) throws {
        source = schema
        let out = try SchemaCompiler.compile(schema, options: options)
        nodes = out.nodes
        program = Program(out.nodes)
        root = out.root
        usesDynamicScope = out.usesDynamicScope
    }

    public convenience init(json: String, options: SchemaOptions = SchemaOptions()) throws {
        let value: JSONValue
        do { value = try JSONParser.parse(json) } catch { throw SchemaError(path: "", reason: "\(error)") }
        try self.init(value, options: options)
    }

    /// Every failure of `document`, or [] when it is valid.
    public func validate(_ document: BSONDocument) -> [ValidationFailure] {
        SchemaValidator(self).validate(document)
    }

    /// Validates any JSON value (converted to BSON first: for configs and tests, not hot paths).
    public func validate(_ value: JSONValue) -> [ValidationFailure] {
        if case .object = value, let bytes = try? BSONFromJSON.document(value) {
            return bytes.withUnsafeBytes { validate(BSONDocument($0)) }
        }
        var w = BSONWriter()
        BSONFromJSON.append(&w, "v", value)
        let bytes = w.finish()
        return bytes.withUnsafeBytes { raw in
            var members = Members(raw)
            return SchemaValidator(self).validate(members.next()!.value, limit: .max)
        }
    }

    /// Whether `document` is valid, stopping at the first failure.
    public func isValid(_ document: BSONDocument) -> Bool {
        SchemaValidator(self).isValid(document)
    }
}
