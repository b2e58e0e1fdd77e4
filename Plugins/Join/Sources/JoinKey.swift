/// The value rows are joined on, as type-tagged bytes: equal keys are equal
/// bytes. Integers compare by value whatever their BSON width (int32 7,
/// int64 7 and double 7.0 are one key), strings by their UTF-8 bytes.
///
/// Keys of up to 24 bytes (a tagged string of up to 19 bytes, an integer)
/// are kept inline: copying a row's key then costs no retain and making
/// one no heap array, on a path taken several times per record.
public struct JoinKey: Hashable, Sendable {
    private enum Storage: Hashable, Sendable {
        /// The bytes zero-padded into three words, and how many there are.
        case inline(UInt64, UInt64, UInt64, count: Int)
        case heap([UInt8])
    }

    private let storage: Storage
    static let inlineCapacity = 24

    public init(bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { JoinKey($0) }
    }

    init(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= Self.inlineCapacity else {
            storage = .heap(Array(bytes))
            return
        }
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        if bytes.count > 0 { withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) } }
        storage = .inline(words.0, words.1, words.2, count: bytes.count)
    }

    /// A one-part key, written straight into the inline words when it fits:
    /// the same bytes `KeyFields.Part.append` writes.
    init(_ part: KeyFields.Part) {
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        switch part {
        case let .integer(tag, value):
            withUnsafeMutableBytes(of: &words) { w in
                w[0] = tag.rawValue
                w.storeBytes(of: value.littleEndian, toByteOffset: 1, as: Int64.self)
            }
            storage = .inline(words.0, words.1, words.2, count: 9)
        case let .bytes(tag, value) where 5 + value.count <= Self.inlineCapacity:
            withUnsafeMutableBytes(of: &words) { w in
                w[0] = tag.rawValue
                w.storeBytes(of: UInt32(value.count).littleEndian, toByteOffset: 1, as: UInt32.self)
                if value.count > 0 { UnsafeMutableRawBufferPointer(rebasing: w[5...]).copyMemory(from: value) }
            }
            storage = .inline(words.0, words.1, words.2, count: 5 + value.count)
        default:
            var bytes: [UInt8] = []
            part.append(to: &bytes)
            self = JoinKey(bytes: bytes)
        }
    }

    /// The tagged bytes (for identities that must be stable across processes).
    public var bytes: [UInt8] {
        switch storage {
        case let .heap(b): return b
        case let .inline(a, b, c, count):
            let words = (a, b, c)
            return withUnsafeBytes(of: words) { Array($0.prefix(count)) }
        }
    }

    /// Folds the words into one value: equality stays exact, and the hasher gets one word instead of 24 bytes.
    public func hash(into hasher: inout Hasher) {
        switch storage {
        case let .inline(a, b, c, count):
            hasher.combine(a ^ (b &* 0x9E37_79B9_7F4A_7C15) ^ (c &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count))
        case let .heap(bytes):
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// `KeyIndex`'s hash: each word multiplied by a constant, the 128-bit
    /// product folded to 64 bits, so every input bit reaches every output bit.
    @inline(__always)
    func hash(seed: UInt64) -> UInt64 {
        @inline(__always) func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let p = a.multipliedFullWidth(by: b)
            return p.high ^ p.low
        }
        switch storage {
        case let .inline(a, b, c, count):
            let h = fold(a ^ seed ^ 0xA076_1D64_78BD_642F, b ^ 0xE703_7ED1_A0B4_28DB)
            return fold(h ^ c ^ 0x8EBC_6AF0_9C88_C6E3, UInt64(count) ^ 0x5899_65CC_7537_4CC3)
        case let .heap(bytes):
            return bytes.withUnsafeBytes { raw in
                var h = seed ^ UInt64(raw.count)
                var offset = 0
                while offset < raw.count {
                    var word: UInt64 = 0
                    let n = min(8, raw.count - offset)
                    withUnsafeMutableBytes(of: &word) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset ..< offset + n])) }
                    h = fold(h ^ word ^ 0xA076_1D64_78BD_642F, 0xE703_7ED1_A0B4_28DB)
                    offset += 8
                }
                return fold(h, 0x8EBC_6AF0_9C88_C6E3)
            }
        }
    }

    /// A one-part string key, as `KeyFields` makes from a string field.
    public init(_ string: String) {
        var b: [UInt8] = []
        Tag.string.append(bytes: Array(string.utf8), to: &b)
        self.init(bytes: b)
    }

    /// A one-part integer key, as `KeyFields` makes from an integer field.
    public init(_ integer: Int64) {
        var b: [UInt8] = []
        Tag.integer.append(integer: integer, to: &b)
        self.init(bytes: b)
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
