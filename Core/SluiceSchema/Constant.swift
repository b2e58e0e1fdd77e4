import SluiceSDK
#if canImport(Glibc)
import Glibc
#endif

/// A JSON value in the form JSON Schema compares: strings as UTF-8 bytes
/// (code points, never Swift's canonical equivalence, under which "ä" and
/// "a\u{308}" are equal), numbers exactly by value (1 == 1.0), objects
/// regardless of member order.
indirect enum Constant: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(ExactNumber)
    case string([UInt8])
    case array([Constant])
    case object([(key: [UInt8], value: Constant)])

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case let .bool(b): self = .bool(b)
        case let .int(i): self = .number(.int(i))
        case let .double(d): self = .number(.double(d))
        case let .string(s): self = .string(Array(s.utf8))
        case let .array(a): self = .array(a.map(Constant.init))
        case let .object(o): self = .object(o.members.map { (Array($0.key.utf8), Constant($0.value)) })
        }
    }

    /// The value of a BSON element; dates become their ISO 8601 text and
    /// other non-JSON types their Extended JSON, as the JSON view shows them.
    init(_ e: BSONElement) {
        switch e.type {
        case .null, .undefined: self = .null
        case .bool: self = .bool(e.bool!)
        case .int32: self = .number(.int(Int64(e.int32!)))
        case .int64: self = .number(.int(e.int64!))
        case .double: self = .number(.double(e.double!))
        case .decimal128 where Decimal128.number(e.valueBytes) != nil: self = .number(Decimal128.number(e.valueBytes)!)
        case .string, .symbol, .javascript: self = .string(Array(e.stringBytes!))
        case .datetime: self = .string(Array(ISO8601.format(milliseconds: e.datetime!).utf8))
        case .array: self = .array(e.document!.elements.map(Constant.init))
        case .document: self = Constant(document: e.document!)
        default: self = Constant(e.jsonValue)
        }
    }

    init(document: BSONDocument) {
        self = .object(document.elements.map { (Array($0.keyBytes), Constant($0)) })
    }

    static func == (a: Constant, b: Constant) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return ExactNumber.compare(x, y) == 0
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { m in y.contains { $0.key == m.key && $0.value == m.value } }
        default: return false
        }
    }

    var json: JSONValue {
        switch self {
        case .null: return .null
        case let .bool(b): return .bool(b)
        case let .number(.int(i)): return .int(i)
        case let .number(.double(d)): return .double(d)
        // JSONValue has no wider integer: the nearest double, for messages only.
        case let .number(.wide(i)): return .double(Double(i))
        case let .string(s): return .string(String(decoding: s, as: UTF8.self))
        case let .array(a): return .array(a.map(\.json))
        case let .object(o): return .object(JSONObject(o.map { (String(decoding: $0.key, as: UTF8.self), $0.value.json) }))
        }
    }
}
