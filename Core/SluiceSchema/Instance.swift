import SluiceSDK

/// A value being validated, read in place: the record itself, one of its
/// elements, or a member name (for `propertyNames`).
struct Instance {
    let type: BSONType
    let element: BSONElement?
    let topLevel: BSONDocument?
    /// A member name's UTF-8 bytes, valid while the record is.
    let name: UnsafeRawBufferPointer?

    init(document: BSONDocument) {
        type = .document
        element = nil
        topLevel = document
        name = nil
    }

    init(element: BSONElement) {
        type = element.type
        self.element = element
        topLevel = nil
        name = nil
    }

    init(name: UnsafeRawBufferPointer) {
        type = .string
        element = nil
        topLevel = nil
        self.name = name
    }

    /// The JSON types this value satisfies ("integer" values are also "number").
    var typeMask: TypeMask {
        switch type {
        case .double:
            let d = element!.double!
            return d.rounded() == d && d.isFinite ? [.number, .integer] : .number
        case .decimal128:
            switch number {
            case .int?: return [.number, .integer]
            case let .double(d)? where d.rounded() == d: return [.number, .integer]
            default: return .number
            }
        case .int32, .int64: return [.number, .integer]
        case .document, .javascriptWithScope: return .object
        case .array: return .array
        case .bool: return .boolean
        case .null, .undefined, .minKey, .maxKey: return .null
        default: return .string
        }
    }

    var typeName: String {
        if type == .double, let d = element?.double, d.rounded() == d { return "number" }
        return type.jsonTypeName
    }

    var isString: Bool { typeMask == .string }
    var isArray: Bool { type == .array }

    var number: ExactNumber? {
        guard let element else { return nil }
        switch element.type {
        case .int32: return .int(Int64(element.int32!))
        case .int64: return .int(element.int64!)
        case .double: return .double(element.double!)
        case .decimal128: return Decimal128.number(element.valueBytes)
        default: return nil
        }
    }

    /// The members of an object or the items of an array.
    var document: BSONDocument? { topLevel ?? element?.document }

    /// The UTF-8 of a string or a member name (nil for dates and ids, which have no stored text).
    var stringBytes: UnsafeRawBufferPointer? { name ?? element?.stringBytes }

    /// Length in Unicode code points, counted on the UTF-8 bytes.
    var codePointCount: Int {
        guard let bytes = stringBytes else { return string.unicodeScalars.count }
        var n = 0
        for b in bytes where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// The text of a string-like value (a date as ISO 8601).
    var string: String {
        if let bytes = stringBytes { return String(decoding: bytes, as: UTF8.self) }
        guard let element else { return "" }
        if let ms = element.datetime { return ISO8601.format(milliseconds: ms) }
        if case let .string(s) = element.jsonValue { return s }
        return ""
    }

    /// The value in comparable form, for `enum`, `const` and `uniqueItems`.
    var constant: Constant {
        if let name { return .string(Array(name)) }
        if let topLevel { return Constant(document: topLevel) }
        return Constant(element!)
    }

    func equals(_ c: Constant) -> Bool {
        if let element { return c.matches(element) }
        return c == constant
    }

    /// The value for error messages, cut short.
    var shortDescription: String {
        let s = JSONWriter.string(constant.json)
        return s.count > 60 ? String(s.prefix(57)) + "..." : s
    }
}
