import SluiceSDK

/// One compiled (sub)schema. Built once by `JSONSchema`; read-only afterwards.
final class SchemaNode {
    /// A boolean schema: true accepts anything, false nothing.
    var always: Bool?
    var types: [String]?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?

    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?

    var minLength: Int?
    var maxLength: Int?
    var pattern: Pattern?
    var format: String?

    var required: [String] = [] {
        didSet { requiredBytes = required.map { Array($0.utf8) } }
    }
    /// `required` as UTF-8, compared in place against BSON keys.
    private(set) var requiredBytes: [[UInt8]] = []
    var properties: [(key: [UInt8], name: String, node: SchemaNode)] = []
    var patternProperties: [(Pattern, SchemaNode)] = []
    var additionalProperties: SchemaNode?
    var propertyNames: SchemaNode?
    var minProperties: Int?
    var maxProperties: Int?
    var dependentRequired: [(String, [String])] = []

    var prefixItems: [SchemaNode] = []
    var items: SchemaNode?
    var contains: SchemaNode?
    var minContains: Int?
    var maxContains: Int?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false

    var allOf: [SchemaNode] = []
    var anyOf: [SchemaNode] = []
    var oneOf: [SchemaNode] = []
    var not: SchemaNode?
    var ifNode: SchemaNode?
    var thenNode: SchemaNode?
    var elseNode: SchemaNode?

    var ref: String?
    var refTarget: SchemaNode?
}
