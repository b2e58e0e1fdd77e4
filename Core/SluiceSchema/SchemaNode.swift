import SluiceSDK

/// One compiled (sub)schema. Subschemas are indices into `JSONSchema.nodes`,
/// so `$ref` cycles need no reference cycles; a node is immutable once built.
final class SchemaNode: Sendable {
    /// The keywords, as the compiler collects them.
    struct Keywords: Sendable {
        var always: Bool? = nil
        var types: [String]? = nil
        var enumValues: [Constant]? = nil
        var constValue: Constant? = nil
        var minimum: ExactNumber? = nil
        var maximum: ExactNumber? = nil
        var exclusiveMinimum: ExactNumber? = nil
        var exclusiveMaximum: ExactNumber? = nil
        var multipleOf: (divisor: Divisor, value: ExactNumber)? = nil
        var minLength: Int? = nil
        var maxLength: Int? = nil
        var pattern: Pattern? = nil
        /// Set only when formats assert; `nil` leaves `format` an annotation.
        var format: Format? = nil
        var required: [String] = []
        var uniqueItems = false
        var properties: [(key: [UInt8], name: String, node: Int)] = []
        var patternProperties: [(pattern: Pattern, node: Int)] = []
        var additionalProperties: Int? = nil
        var propertyNames: Int? = nil
        var minProperties: Int? = nil
        var maxProperties: Int? = nil
        var dependentRequired: [(key: String, needs: [String])] = []
        var dependentSchemas: [(key: String, node: Int)] = []
        var prefixItems: [Int] = []
        /// Items after `prefixItems` (draft 7: `additionalItems` after an `items` array).
        var items: Int? = nil
        var contains: Int? = nil
        var minContains: Int? = nil
        var maxContains: Int? = nil
        var minItems: Int? = nil
        var maxItems: Int? = nil
        var unevaluatedProperties: Int? = nil
        var unevaluatedItems: Int? = nil
        var allOf: [Int] = []
        var anyOf: [Int] = []
        var oneOf: [Int] = []
        var not: Int? = nil
        var ifNode: Int? = nil
        var thenNode: Int? = nil
        var elseNode: Int? = nil
        var ref: Int? = nil
        var dynamicRef: DynamicRef? = nil
    }

    /// A `$dynamicRef`: its static target, and the nodes of the resources
    /// that declare a matching `$dynamicAnchor`, tried outermost first at run time.
    struct DynamicRef: Sendable {
        let target: Int
        /// Resource index → node; empty when the static target has no matching
        /// `$dynamicAnchor` (then the reference behaves as `$ref`).
        let candidates: [Int: Int]
    }

    let k: Keywords
    /// Where the node is, for error output: a JSON Pointer into the root
    /// schema, or an absolute URI with a pointer fragment in another resource.
    let location: String
    /// The schema resource (`$id`, or a file) the node belongs to, for `$dynamicRef`.
    let resource: Int
    /// `types` compiled to bits.
    let typeMask: TypeMask?
    /// Whether the node applies anything to an object's members or to an
    /// array's items.
    let looksInside: Bool
    /// Whether any numeric, string or in-place keyword is present (`Program`
    /// turns each into a flag the walk tests before the group).
    let checksNumbers: Bool
    let checksStrings: Bool
    let hasInPlace: Bool
    /// The target of a node that is nothing but a `$ref`: the walk goes
    /// straight there (most properties of real schemas are such references).
    let onlyRef: Int?
    /// Whether the node needs to know which members and items its in-place
    /// subschemas evaluated (it has `unevaluatedProperties`/`unevaluatedItems`).
    let collects: Bool

    init(_ keywords: Keywords, location: String, resource: Int) {
        k = keywords
        self.location = location
        self.resource = resource
        typeMask = keywords.types.map(TypeMask.init)
        collects = keywords.unevaluatedProperties != nil || keywords.unevaluatedItems != nil
        var bare = Keywords()
        bare.ref = keywords.ref
        onlyRef = keywords.ref != nil && Self.sameKeywords(keywords, bare) ? keywords.ref : nil
        checksNumbers = keywords.minimum != nil || keywords.maximum != nil || keywords.exclusiveMinimum != nil
            || keywords.exclusiveMaximum != nil || keywords.multipleOf != nil
        checksStrings = keywords.minLength != nil || keywords.maxLength != nil || keywords.pattern != nil || keywords.format != nil
        hasInPlace = !keywords.allOf.isEmpty || !keywords.anyOf.isEmpty || !keywords.oneOf.isEmpty || keywords.not != nil
            || keywords.ifNode != nil || !keywords.dependentSchemas.isEmpty
        looksInside = !keywords.required.isEmpty || !keywords.properties.isEmpty || !keywords.patternProperties.isEmpty
            || keywords.additionalProperties != nil || keywords.propertyNames != nil || keywords.minProperties != nil
            || keywords.maxProperties != nil || !keywords.dependentRequired.isEmpty || !keywords.dependentSchemas.isEmpty
            || !keywords.prefixItems.isEmpty || keywords.items != nil || keywords.contains != nil || keywords.minItems != nil
            || keywords.maxItems != nil || keywords.uniqueItems || collects
    }

    /// Whether `a` has no keyword `b` lacks, for the keywords `onlyRef` cares about.
    private static func sameKeywords(_ a: Keywords, _ b: Keywords) -> Bool {
        a.always == b.always && a.types == nil && a.enumValues == nil && a.constValue == nil && a.minimum == nil && a.maximum == nil
            && a.exclusiveMinimum == nil && a.exclusiveMaximum == nil && a.multipleOf == nil && a.minLength == nil
            && a.maxLength == nil && a.pattern == nil && a.format == nil && a.required.isEmpty && !a.uniqueItems
            && a.properties.isEmpty && a.patternProperties.isEmpty && a.additionalProperties == nil && a.propertyNames == nil
            && a.minProperties == nil && a.maxProperties == nil && a.dependentRequired.isEmpty && a.dependentSchemas.isEmpty
            && a.prefixItems.isEmpty && a.items == nil && a.contains == nil && a.minItems == nil && a.maxItems == nil
            && a.unevaluatedProperties == nil && a.unevaluatedItems == nil && a.allOf.isEmpty && a.anyOf.isEmpty
            && a.oneOf.isEmpty && a.not == nil && a.ifNode == nil && a.dynamicRef == nil
    }

    /// Subschemas applied to the same instance as this node: a cycle among
    /// these never moves into the instance, so it would recurse for ever.
    var inPlace: [Int] {
        var out = k.allOf + k.anyOf + k.oneOf + k.dependentSchemas.map(\.node)
        for n in [k.not, k.ifNode, k.thenNode, k.elseNode, k.ref] { if let n { out.append(n) } }
        if let d = k.dynamicRef { out.append(d.target); out += d.candidates.values }
        return out
    }
}

/// JSON Schema type names as bits.
struct TypeMask: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeMask(rawValue: 1)
    static let boolean = TypeMask(rawValue: 2)
    static let object = TypeMask(rawValue: 4)
    static let array = TypeMask(rawValue: 8)
    static let number = TypeMask(rawValue: 16)
    static let integer = TypeMask(rawValue: 32)
    static let string = TypeMask(rawValue: 64)
    /// What an integer satisfies. A constant: an array literal of options allocates an array per use.
    static let numeric = TypeMask(rawValue: 48)

    static let names: [String: TypeMask] = [
        "null": .null, "boolean": .boolean, "object": .object, "array": .array,
        "number": .number, "integer": .integer, "string": .string,
    ]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Names were checked by the compiler, so every one is known.
    init(_ names: [String]) {
        var m: TypeMask = []
        for n in names { m.formUnion(Self.names[n] ?? []) }
        self = m
    }
}
