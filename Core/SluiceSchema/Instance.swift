import SluiceSDK

/// A value being validated: the record itself, one of its elements, or a
/// bare string (for propertyNames).
struct Instance {
    let type: BSONType
    let element: BSONElement?
    let topLevel: BSONDocument?
    let text: String?

    init(document: BSONDocument) {
        type = .document
        element = nil
        topLevel = document
        text = nil
    }

    init(element: BSONElement) {
        type = element.type
        self.element = element
        topLevel = nil
        text = nil
    }

    init(string: String) {
        type = .string
        element = nil
        topLevel = nil
        text = string
    }

    var typeName: String {
        if type == .double, let d = element?.double, d.rounded() == d { return "number" }
        return type.jsonTypeName
    }

    /// The JSON types this value satisfies ("integer" values are also "number").
    var typeMask: TypeMask {
        switch type {
        case .double:
            let d = element!.double!
            return d.rounded() == d && d.isFinite ? [.number, .integer] : .number
        case .decimal128: return .number
        case .int32, .int64: return [.number, .integer]
        case .document, .javascriptWithScope: return .object
        case .array: return .array
        case .bool: return .boolean
        case .null, .undefined, .minKey, .maxKey: return .null
        default: return .string
        }
    }

    /// Length in Unicode scalars, counted on the UTF-8 bytes when possible.
    var scalarCount: Int {
        if let bytes = element?.stringBytes {
            var n = 0
            for b in bytes where b & 0xC0 != 0x80 { n += 1 }
            return n
        }
        return string.unicodeScalars.count
    }

    var isString: Bool { typeMask == .string }
    var isArray: Bool { type == .array }

    var number: Double? { element?.number }

    var document: BSONDocument? { topLevel ?? element?.document }

    var string: String {
        if let text { return text }
        guard let element else { return "" }
        if let s = element.string { return s }
        if let ms = element.datetime { return ISO8601.format(milliseconds: ms) }
        if case let .string(s) = element.jsonValue { return s }
        return ""
    }

    var jsonValue: JSONValue {
        if let text { return .string(text) }
        if let topLevel { return topLevel.jsonValue }
        guard let element else { return .null }
        if element.type == .datetime { return .string(ISO8601.format(milliseconds: element.datetime!)) }
        return element.jsonValue
    }

    /// The value for error messages, cut short.
    var shortDescription: String {
        let s = JSONWriter.string(jsonValue)
        return s.count > 60 ? String(s.prefix(57)) + "..." : s
    }
}
