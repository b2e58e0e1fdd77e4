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

    func hasType(_ name: String) -> Bool {
        let mine = type.jsonTypeName
        if mine == name { return true }
        switch name {
        case "number": return mine == "integer"
        case "integer":
            if let d = element?.double { return d.rounded() == d && d.isFinite }
            return false
        default: return false
        }
    }

    var isString: Bool { type.jsonTypeName == "string" }
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
