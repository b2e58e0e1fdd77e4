import SluiceSDK

/// One compiled (sub)schema: immutable, so the validator reads it from any
/// thread with no exclusivity checks or locks. `$ref` targets live in
/// `JSONSchema.refTargets`, keyed by `id`, since refs may form cycles.
final class SchemaNode {
    /// The keywords, as the compiler collects them.
    struct Keywords {
        var always: Bool? = nil
        var types: [String]? = nil
        var enumValues: [JSONValue]? = nil
        var constValue: JSONValue? = nil
        var minimum: Double? = nil
        var maximum: Double? = nil
        var exclusiveMinimum: Double? = nil
        var exclusiveMaximum: Double? = nil
        var multipleOf: Double? = nil
        var minLength: Int? = nil
        var maxLength: Int? = nil
        var pattern: Pattern? = nil
        var format: String? = nil
        var required: [String] = []
        var uniqueItems = false
        var properties: [(key: [UInt8], name: String, node: SchemaNode)] = []
        var patternProperties: [(Pattern, SchemaNode)] = []
        var additionalProperties: SchemaNode? = nil
        var propertyNames: SchemaNode? = nil
        var minProperties: Int? = nil
        var maxProperties: Int? = nil
        var dependentRequired: [(String, [String])] = []
        var prefixItems: [SchemaNode] = []
        var items: SchemaNode? = nil
        var contains: SchemaNode? = nil
        var minContains: Int? = nil
        var maxContains: Int? = nil
        var minItems: Int? = nil
        var maxItems: Int? = nil
        var allOf: [SchemaNode] = []
        var anyOf: [SchemaNode] = []
        var oneOf: [SchemaNode] = []
        var not: SchemaNode? = nil
        var ifNode: SchemaNode? = nil
        var thenNode: SchemaNode? = nil
        var elseNode: SchemaNode? = nil
        var ref: String? = nil
    }

    /// Position in compile order; the key for `$ref` resolution.
    let id: Int
    let k: Keywords
    /// `types` compiled to bits, tested per value without string compares.
    let typeMask: TypeMask?
    /// `required` as UTF-8, compared in place against BSON keys.
    let requiredBytes: [[UInt8]]

    init(_ keywords: Keywords, id: Int) {
        self.id = id
        k = keywords
        typeMask = keywords.types.map(TypeMask.init)
        requiredBytes = keywords.required.map { Array($0.utf8) }
    }
}

/// JSON Schema type names as bits.
struct TypeMask: OptionSet {
    let rawValue: UInt8
    static let null = TypeMask(rawValue: 1)
    static let boolean = TypeMask(rawValue: 2)
    static let object = TypeMask(rawValue: 4)
    static let array = TypeMask(rawValue: 8)
    static let number = TypeMask(rawValue: 16)
    static let integer = TypeMask(rawValue: 32)
    static let string = TypeMask(rawValue: 64)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ names: [String]) {
        var m: TypeMask = []
        for n in names {
            switch n {
            case "null": m.insert(.null)
            case "boolean": m.insert(.boolean)
            case "object": m.insert(.object)
            case "array": m.insert(.array)
            case "number": m.insert(.number)
            case "integer": m.insert(.integer)
            default: m.insert(.string)
            }
        }
        self = m
    }
}
