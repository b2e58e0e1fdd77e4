import Glibc
import SluiceSDK

/// The fields the forecaster reads from every record (key, time and value
/// fields), as dotted paths split into UTF-8 components once at create.
///
/// `read` finds all of them in one pass over the record's top-level
/// elements, descending only for dotted paths. Looking each one up by its
/// String name made a String per path component and walked the document
/// once per field: about a third of an update's instructions.
public struct FieldPaths: Sendable {
    /// Every path's first component, back to back; path i's spans `starts[i] ..< starts[i + 1]`.
    let heads: [UInt8]
    let starts: [Int]
    /// The components after the first, per path (empty for a top-level field).
    let tails: [[[UInt8]]]
    /// Paths before this index are all top-level names (the usual case): no look at `tails` per match.
    let firstNested: Int
    /// Per path, its first component and the NUL that ends it as a key, as
    /// two zero-padded little-endian words and the masks that select them
    /// (both masks 0 when they do not fit in 16 bytes): a key is matched by
    /// two loads instead of a `strlen` and a `memcmp` call.
    let words: [Words]
    /// Some paths share their first component: an element can match more than one.
    let sharedHeads: Bool

    struct Words {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var lowMask: UInt64 = 0
        var highMask: UInt64 = 0
        /// The first component's length, beside the words that matched it.
        var length = 0
    }

    /// `fields` in the order `read` reports them (at most 64).
    public init(_ fields: [String]) {
        precondition(fields.count <= 64, "FieldPaths keeps the paths still missing in one 64-bit mask")
        let split = fields.map { $0.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) } }
        heads = split.flatMap { $0[0] }
        starts = split.reduce(into: [0]) { $0.append($0.last! + $1[0].count) }
        tails = split.map { Array($0.dropFirst()) }
        firstNested = split.firstIndex { $0.count > 1 } ?? split.count
        sharedHeads = Set(split.map { $0[0] }).count < split.count
        words = split.map { path in
            let key = path[0] + [0]
            guard key.count <= 16 else { return Words() }
            var words = Words(length: path[0].count)
            for (i, byte) in key.enumerated() {
                let shift = UInt64(8 * (i % 8))
                if i < 8 {
                    words.low |= UInt64(byte) << shift
                    words.lowMask |= 0xFF << shift
                } else {
                    words.high |= UInt64(byte) << shift
                    words.highMask |= 0xFF << shift
                }
            }
            return words
        }
    }

    /// Sets `found[i]` to field i's element in `doc`, or nil if it is missing.
    ///
    /// One pass over the elements' bytes, building only the elements found.
    /// Going through `doc.elements` built a 49-byte element for each one and
    /// found its key's end with `strlen`, then compared the key with each
    /// path still missing by `memcmp`: about 800 instructions on a
    /// three-field record.
    public func read(_ doc: BSONDocument, into found: inout [BSONElement?]) {
        let n = tails.count
        if found.count != n { found = [BSONElement?](repeating: nil, count: n) }
        let b = doc.bytes
        let end = b.count - 1
        words.withUnsafeBufferPointer { words in
            found.withUnsafeMutableBufferPointer { found in
                for i in 0 ..< n { found[i] = nil }
                var missing: UInt64 = n == 64 ? ~0 : (1 << UInt64(n)) - 1
                var p = 4
                while p < end, missing != 0 {
                    let code = b[p]
                    let keyStart = p + 1
                    // Paths sharing a first component ("position.lat", "position.lon") match the same element.
                    var matched: UInt64 = 0
                    var keyLength = 0
                    // 16 bytes from the key's start are in the document unless it is one of the last small elements.
                    if keyStart + 16 <= b.count {
                        let low = b.loadUnaligned(fromByteOffset: keyStart, as: UInt64.self).littleEndian
                        let high = b.loadUnaligned(fromByteOffset: keyStart + 8, as: UInt64.self).littleEndian
                        var candidates = missing
                        while candidates != 0 {
                            let i = candidates.trailingZeroBitCount
                            candidates &= candidates - 1
                            let w = words[i]
                            if w.lowMask != 0, low & w.lowMask == w.low, high & w.highMask == w.high {
                                matched |= 1 << UInt64(i)
                                keyLength = w.length
                                // With no two paths sharing a first component, a key matches one path at most.
                                if !sharedHeads { break }
                            }
                        }
                    }
                    if matched == 0 {
                        // A well-formed document NUL-terminates every key inside its bytes. UInt8 and CChar may alias.
                        keyLength = strlen((b.baseAddress! + keyStart).assumingMemoryBound(to: CChar.self))
                        matched = slowMatch(b, keyStart, keyLength, missing)
                    }
                    let valueStart = keyStart + keyLength + 1
                    let size: Int
                    switch code {
                    case 0x01, 0x09, 0x11, 0x12: size = 8
                    case 0x10: size = 4
                    case 0x02: size = 4 + Int(b.loadUnaligned(fromByteOffset: valueStart, as: Int32.self).littleEndian)
                    default:
                        guard let type = BSONType(rawValue: code),
                              let s = BSONElement.valueSize(type, b, at: valueStart, end: end) else { return }
                        size = s
                    }
                    if matched != 0 {
                        let e = BSONElement(type: Self.type(code), base: b, keyStart: keyStart, keyLength: keyLength,
                                            valueStart: valueStart, valueSize: size)
                        while matched != 0 {
                            let i = matched.trailingZeroBitCount
                            matched &= matched - 1
                            found[i] = i < firstNested || tails[i].isEmpty ? e : Self.descend(e, tails[i])
                            if found[i] != nil { missing &= ~(1 << UInt64(i)) }
                        }
                    }
                    p = valueStart + size
                }
            }
        }
    }

    /// The paths in `missing` whose first component is the key at
    /// `keyStart` (of `keyLength` bytes), by comparing bytes, as a mask.
    func slowMatch(_ b: UnsafeRawBufferPointer, _ keyStart: Int, _ keyLength: Int, _ missing: UInt64) -> UInt64 {
        var matched: UInt64 = 0
        var candidates = missing
        while candidates != 0 {
            let i = candidates.trailingZeroBitCount
            candidates &= candidates - 1
            guard starts[i + 1] - starts[i] == keyLength else { continue }
            let equal = keyLength == 0 || heads.withUnsafeBytes { memcmp($0.baseAddress! + starts[i], b.baseAddress! + keyStart, keyLength) == 0 }
            if equal { matched |= 1 << UInt64(i) }
        }
        return matched
    }

    /// The type of a type byte the walk has sized, the common ones without the raw-value lookup.
    @inline(__always)
    static func type(_ code: UInt8) -> BSONType {
        switch code {
        case 0x01: return .double
        case 0x02: return .string
        case 0x09: return .datetime
        case 0x10: return .int32
        case 0x12: return .int64
        default: return BSONType(rawValue: code)!
        }
    }
    /// The element at `path` below `e` (arrays index by position, as BSON keys them).
    static func descend(_ e: BSONElement, _ path: [[UInt8]]) -> BSONElement? {
        var current = e
        for part in path {
            guard let doc = current.document, let next = part.withUnsafeBytes({ doc.element(keyBytes: $0) }) else { return nil }
            current = next
        }
        return current
    }
}
