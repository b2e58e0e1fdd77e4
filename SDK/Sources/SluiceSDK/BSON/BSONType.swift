/// BSON element type codes (bsonspec.org, version 1.1).
public enum BSONType: UInt8, Sendable {
    case double = 0x01
    case string = 0x02
    case document = 0x03
    case array = 0x04
    case binary = 0x05
    case undefined = 0x06
    case objectId = 0x07
    case bool = 0x08
    case datetime = 0x09
    case null = 0x0A
    case regex = 0x0B
    case dbPointer = 0x0C
    case javascript = 0x0D
    case symbol = 0x0E
    case javascriptWithScope = 0x0F
    case int32 = 0x10
    case timestamp = 0x11
    case int64 = 0x12
    case decimal128 = 0x13
    case minKey = 0xFF
    case maxKey = 0x7F

    /// The JSON Schema type name this BSON type satisfies ("integer" also
    /// matches "number"; dates and ids are strings in the JSON view).
    public var jsonTypeName: String {
        switch self {
        case .double, .decimal128: return "number"
        case .int32, .int64: return "integer"
        case .string, .symbol, .datetime, .objectId, .javascript, .regex, .dbPointer, .binary, .timestamp:
            return "string"
        case .document, .javascriptWithScope: return "object"
        case .array: return "array"
        case .bool: return "boolean"
        case .null, .undefined, .minKey, .maxKey: return "null"
        }
    }
}
