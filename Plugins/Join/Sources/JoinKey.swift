/// The value rows are joined on, as type-tagged bytes: equal keys are equal
/// bytes. Integers compare by value whatever their BSON width (int32 7,
/// int64 7 and double 7.0 are one key), strings by their UTF-8 bytes.
public struct JoinKey: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// One pass over the bytes: the synthesized hash feeds the hasher a byte at a time.
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// A one-part string key, as `KeyFields` makes from a string field.
    public init(_ string: String) {
        var b: [UInt8] = []
        Tag.string.append(bytes: Array(string.utf8), to: &b)
        bytes = b
    }

    /// A one-part integer key, as `KeyFields` makes from an integer field.
    public init(_ integer: Int64) {
        var b: [UInt8] = []
        Tag.integer.append(integer: integer, to: &b)
        bytes = b
    }

    enum Tag: UInt8 {
        case integer = 1, double, string, bool, datetime, objectId, other

        func append(integer: Int64, to b: inout [UInt8]) {
            b.append(rawValue)
            withUnsafeBytes(of: integer.littleEndian) { b.append(contentsOf: $0) }
        }

        /// Length-prefixed, so a composite key's parts cannot run into each other.
        func append<C: Collection>(bytes: C, to b: inout [UInt8]) where C.Element == UInt8 {
            b.append(rawValue)
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { b.append(contentsOf: $0) }
            b.append(contentsOf: bytes)
        }
    }
}
