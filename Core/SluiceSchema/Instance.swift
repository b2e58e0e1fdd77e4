import SluiceSDK
#if canImport(Glibc)
import Glibc
#endif

/// A value being validated, read in place from the record: its BSON type
/// byte and value bytes, a few words passed by value with no optional
/// wrappers. Slower views (text, `Constant`, an SDK element) are built only
/// by the keywords and messages that need them.
struct Instance {
    /// The BSON type byte; a member name (for `propertyNames`) is a string.
    let type: UInt8
    /// The value as stored: a document's or array's bytes from their length
    /// prefix, a string's from its length prefix; a member name's UTF-8.
    let value: UnsafeRawBufferPointer
    /// Where the element starts (its type byte), so cold paths can view it
    /// through the SDK; nil for the record itself and for a member name.
    let element: UnsafeRawPointer?
    let isName: Bool

    init(document: UnsafeRawBufferPointer) {
        type = BSONType.document.rawValue
        value = document
        element = nil
        isName = false
    }

    init(name: UnsafeRawBufferPointer) {
        type = BSONType.string.rawValue
        value = name
        element = nil
        isName = true
    }

    @inline(__always)
    init(type: UInt8, value: UnsafeRawBufferPointer, element: UnsafeRawPointer) {
        self.type = type
        self.value = value
        self.element = element
        isName = false
    }

    var isDocument: Bool { type == BSONType.document.rawValue }
    var isArray: Bool { type == BSONType.array.rawValue }
    var isObjectOrArray: Bool { isDocument || isArray }

    /// Whether the value is one of BSON's numbers (the numeric keywords apply).
    @inline(__always)
    var isNumeric: Bool {
        switch type {
        case BSONType.double.rawValue, BSONType.int32.rawValue, BSONType.int64.rawValue, BSONType.decimal128.rawValue: return true
        default: return false
        }
    }

    /// The JSON types this value satisfies ("integer" values are also "number").
    var typeMask: TypeMask {
        switch type {
        case BSONType.double.rawValue:
            let d = double
            return d.rounded() == d && d.isFinite ? .numeric : .number
        case BSONType.decimal128.rawValue:
            switch number {
            case .int?, .wide?: return .numeric
            case let .double(d)? where d.rounded() == d: return .numeric
            default: return .number
            }
        case BSONType.int32.rawValue, BSONType.int64.rawValue: return .numeric
        case BSONType.document.rawValue: return .object
        case BSONType.array.rawValue: return .array
        case BSONType.bool.rawValue: return .boolean
        case BSONType.null.rawValue, BSONType.undefined.rawValue, BSONType.minKey.rawValue, BSONType.maxKey.rawValue: return .null
        default: return .string
        }
    }

    /// Whether the value is of one of the types in `mask`, testing the common cases without computing the value's mask.
    @inline(__always)
    func satisfies(_ mask: UInt8) -> Bool {
        switch type {
        case BSONType.int32.rawValue, BSONType.int64.rawValue:
            return mask & TypeMask.numeric.rawValue != 0
        case BSONType.double.rawValue where mask & TypeMask.number.rawValue != 0:
            return true
        case BSONType.string.rawValue where mask & TypeMask.string.rawValue != 0:
            return true
        case BSONType.document.rawValue where mask & TypeMask.object.rawValue != 0:
            return true
        default:
            return mask & typeMask.rawValue != 0
        }
    }

    var typeName: String {
        isName ? "string" : BSONType(rawValue: type)?.jsonTypeName ?? "unknown"
    }

    var isString: Bool { isName || typeMask == .string }

    var double: Double { Double(bitPattern: UInt64(littleEndian: value.loadUnaligned(as: UInt64.self))) }

    @inline(__always)
    var number: ExactNumber? {
        switch type {
        case BSONType.int32.rawValue: return .int(Int64(Int32(littleEndian: value.loadUnaligned(as: Int32.self))))
        case BSONType.int64.rawValue: return .int(Int64(littleEndian: value.loadUnaligned(as: Int64.self)))
        case BSONType.double.rawValue: return .double(double)
        case BSONType.decimal128.rawValue: return Decimal128.number(value)
        default: return nil
        }
    }

    /// The UTF-8 of a string or a member name (nil for dates and ids, which have no stored text).
    var stringBytes: UnsafeRawBufferPointer? {
        if isName { return value }
        switch type {
        case BSONType.string.rawValue, BSONType.symbol.rawValue, BSONType.javascript.rawValue:
            let length = Int(Int32(littleEndian: value.loadUnaligned(as: Int32.self))) - 1
            return UnsafeRawBufferPointer(rebasing: value[4 ..< 4 + length])
        default:
            return nil
        }
    }

    /// Length in Unicode code points, counted on the UTF-8 bytes.
    var codePointCount: Int {
        guard let bytes = stringBytes else { return string.unicodeScalars.count }
        // Every byte but continuation bytes (10xxxxxx) starts a code point; 8 bytes at a time.
        var continuations = 0
        var i = 0
        while i + 8 <= bytes.count {
            let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            continuations += (w & ~(w << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
            i += 8
        }
        while i < bytes.count {
            if bytes[i] & 0xC0 == 0x80 { continuations += 1 }
            i += 1
        }
        return bytes.count - continuations
    }

    /// The text of a string-like value (a date as ISO 8601).
    var string: String {
        if let bytes = stringBytes { return String(decoding: bytes, as: UTF8.self) }
        if type == BSONType.datetime.rawValue {
            return ISO8601.format(milliseconds: Int64(littleEndian: value.loadUnaligned(as: Int64.self)))
        }
        return withElement { e in
            if case let .string(s) = e?.jsonValue { return s }
            return ""
        }
    }

    /// Calls `body` with the SDK's view of the element (nil for the record
    /// and for a member name). Cold paths only: it copies the element into a
    /// one-element document.
    func withElement<R>(_ body: (BSONElement?) -> R) -> R {
        guard let element else { return body(nil) }
        let bytes = UnsafeRawBufferPointer(start: element, count: value.baseAddress! + value.count - element)
        var doc: [UInt8] = withUnsafeBytes(of: Int32(bytes.count + 5).littleEndian) { Array($0) }
        doc += bytes
        doc.append(0)
        return doc.withUnsafeBytes { body(BSONDocument($0).elements.first { _ in true }) }
    }

    /// The members of an object or the items of an array.
    var document: BSONDocument { BSONDocument(value) }

    /// The value in comparable form, for `enum`, `const` and `uniqueItems`.
    var constant: Constant {
        if isName { return .string(Array(value)) }
        if isDocument, element == nil { return Constant(document: document) }
        return withElement { Constant($0!) }
    }

    /// The value for error messages, cut short.
    var shortDescription: String {
        let s = JSONWriter.string(constant.json)
        return s.count > 60 ? String(s.prefix(57)) + "..." : s
    }

    /// The most members (or items) a document of this size can hold: each
    /// takes at least a type byte and a key's NUL.
    var memberBound: Int { isObjectOrArray ? max(0, (value.count - 5) / 2) : 0 }
}

/// Iterates a document's members (or an array's items) in place: the key
/// and the value of each, with no SDK element or optional in between.
struct Members: IteratorProtocol {
    private var p: UnsafeRawPointer
    private let end: UnsafeRawPointer

    /// `document` is the document's bytes from its length prefix to its trailing NUL.
    @inline(__always)
    init(_ document: UnsafeRawBufferPointer) {
        p = document.baseAddress! + 4
        end = document.baseAddress! + document.count - 1
    }

    @inline(__always)
    mutating func next() -> (key: UnsafeRawBufferPointer, value: Instance)? {
        guard p < end else { return nil }
        let start = p
        let type = p.load(as: UInt8.self)
        let keyStart = p + 1
        let keyLength = strlen(keyStart.assumingMemoryBound(to: CChar.self))
        let v = keyStart + keyLength + 1
        guard let size = Self.size(type, v) else {
            // Not a BSON type: the host never passes such a document; stop rather than read on.
            p = end
            return nil
        }
        p = v + size
        return (UnsafeRawBufferPointer(start: keyStart, count: keyLength),
                Instance(type: type, value: UnsafeRawBufferPointer(start: v, count: size), element: start))
    }

    /// The length of a value of BSON type `type` stored at `v`; nil for a byte that is no BSON type or one a
    /// checked document never holds (DBPointer, code with scope: `BSONDocument.isWellFormed`).
    @inline(__always)
    static func size(_ type: UInt8, _ v: UnsafeRawPointer) -> Int? {
        switch type {
        case 0x01, 0x09, 0x11, 0x12: return 8
        case 0x10: return 4
        case 0x08: return 1
        case 0x07: return 12
        case 0x13: return 16
        case 0x06, 0x0A, 0x7F, 0xFF: return 0
        case 0x02, 0x0D, 0x0E: return 4 + Int(Int32(littleEndian: v.loadUnaligned(as: Int32.self)))
        case 0x03, 0x04: return Int(Int32(littleEndian: v.loadUnaligned(as: Int32.self)))
        case 0x05: return 5 + Int(Int32(littleEndian: v.loadUnaligned(as: Int32.self)))
        case 0x0B:
            let pattern = strlen(v.assumingMemoryBound(to: CChar.self)) + 1
            return pattern + strlen((v + pattern).assumingMemoryBound(to: CChar.self)) + 1
        default: return nil
        }
    }
}
