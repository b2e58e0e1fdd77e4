#if canImport(Glibc)
import Glibc
#endif
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// A read-only, zero-copy view of one BSON document in memory the caller owns.
///
/// The view never copies: keys and strings are compared as bytes in place.
/// Build it only over bytes that passed `BSONDocument.isWellFormed` (the host
/// checks every document a plugin emits), because accessors trust the lengths.
public struct BSONDocument {
    /// The document's bytes, from its length prefix to its trailing NUL.
    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Whether `bytes` holds exactly one structurally valid BSON document:
    /// every length in bounds, every string NUL-terminated, nested documents
    /// valid and at most `maxNesting` deep. The deprecated DBPointer (0x0C)
    /// and code-with-scope (0x0F) elements are refused: nothing in Sluice
    /// makes them, and their inner string and scope would need a check of
    /// their own before any reader could trust their lengths.
    public static func isWellFormed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 5 else { return false }
        let length = Int(bytes.loadLE(Int32.self, at: 0))
        guard length == bytes.count else { return false }
        return checkElements(bytes, from: 4, end: length, depth: 0)
    }

    /// How many documents or arrays deep a well-formed document may nest
    /// below its top level: the check recurses once per level on the
    /// caller's stack, so a plugin's document cannot exhaust it. The JSON
    /// parser stops at the same depth, so every document it makes passes.
    public static let maxNesting = 512

    /// Checked once per document a plugin emits, so written for speed: keys
    /// scanned in place, their first 16 bytes at once (`firstNUL16`),
    /// fixed sizes without a lookup of the type. Every read is in bounds:
    /// a length is read only when its four bytes lie before `last`, and a
    /// key's 16 bytes only when they end at `last` or before. Positions are
    /// not checked against `last` after a value of fixed size: one past it
    /// is never read (the loop stops) and fails the final `p == last`, as
    /// does a key whose NUL is the document's own (`last`). Lengths read
    /// are bounded before they are added, so the arithmetic wraps instead
    /// of testing for an overflow that cannot happen.
    private static func checkElements(_ b: UnsafeRawBufferPointer, from start: Int, end: Int, depth: Int) -> Bool {
        let base = b.baseAddress!
        let last = end &- 1
        // The last key start whose first 16 bytes end at `last` or before;
        // an element starting before it starts before `last` too.
        let sixteenEnd = last &- 15
        var p = start
        while true {
            let code: UInt8, key = p &+ 1
            if key <= sixteenEnd {
                code = base.load(fromByteOffset: p, as: UInt8.self)
                let n = firstNUL16(base, at: key)
                if n < 16 {
                    p = key &+ n &+ 1
                } else {
                    // A longer key: its next 16 bytes at once too when they fit, then the rest before `last`.
                    let next = key &+ 16
                    let m = next <= sixteenEnd ? firstNUL16(base, at: next) : 16
                    if m < 16 {
                        p = next &+ m &+ 1
                    } else {
                        guard let nul = firstNUL(base, from: next <= sixteenEnd ? next &+ 16 : next, before: last) else { return false }
                        p = nul &+ 1
                    }
                }
            } else {
                guard p < last else { break }
                code = base.load(fromByteOffset: p, as: UInt8.self)
                guard let nul = firstNUL(base, from: key, before: last) else { return false }
                p = nul &+ 1
            }
            switch code {
            case 0x01, 0x09, 0x11, 0x12: p &+= 8
            case 0x10: p &+= 4
            case 0x08: p &+= 1
            case 0x06, 0x0A, 0x7F, 0xFF: break
            case 0x07: p &+= 12
            case 0x13: p &+= 16
            case 0x02, 0x0D, 0x0E:
                // The length counts the NUL, so it is at least 1 (0 made readers compute a length of -1),
                // and the string ends before `last`: 1 ... room, one unsigned compare of n - 1.
                let room = last &- p &- 4
                guard room >= 1 else { return false }
                let n = Int(b.loadLE(Int32.self, at: p))
                guard UInt(bitPattern: n &- 1) < UInt(bitPattern: room),
                      base.load(fromByteOffset: p &+ 3 &+ n, as: UInt8.self) == 0 else { return false }
                p &+= 4 &+ n
            case 0x03, 0x04:
                guard last &- p >= 4 else { return false }
                let n = Int(b.loadLE(Int32.self, at: p))
                guard n >= 5, n <= last &- p, depth < maxNesting, base.load(fromByteOffset: p &+ n &- 1, as: UInt8.self) == 0,
                      checkElements(b, from: p &+ 4, end: p &+ n, depth: depth &+ 1) else { return false }
                p &+= n
            case 0x0C, 0x0F: return false
            default:
                guard let type = BSONType(rawValue: code), let n = BSONElement.valueSize(type, b, at: p, end: last),
                      n >= 0, n <= last &- p else { return false }
                p &+= n
            }
        }
        return p == last && base.load(fromByteOffset: last, as: UInt8.self) == 0
    }

    /// The top bit of each zero byte of `word` up to its first: the lowest
    /// byte whose top bit survives is the word's first NUL (a borrow only runs
    /// upwards from it, so bytes above it may be marked falsely).
    @inlinable
    public static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    /// The offset of the first NUL among the 16 bytes at `base + p`, which
    /// must all be readable; 16 when there is none. One compare of all 16
    /// where every CPU of the architecture has one (SSE2 on x86-64: the
    /// document check of a 7-member record took 256 instructions instead
    /// of 298 with two words' zero tests), else two words.
    @inline(__always)
    private static func firstNUL16(_ base: UnsafeRawPointer, at p: Int) -> Int {
        #if arch(x86_64)
        let bytes = base.loadUnaligned(fromByteOffset: p, as: __m128i.self)
        let zeros = UInt32(bitPattern: _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_setzero_si128())))
        return (zeros | 0x1_0000).trailingZeroBitCount
        #else
        let low = zeroBytes(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt64.self)))
        if low != 0 { return low.trailingZeroBitCount &>> 3 }
        let high = zeroBytes(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: p &+ 8, as: UInt64.self)))
        return 8 &+ high.trailingZeroBitCount &>> 3
        #endif
    }

    /// The offset of the first NUL in `start ..< end` (a key's end), read a
    /// word at a time while a whole word fits; nil when there is none. Keys
    /// are short: a loop in place costs less than a call to `memchr` (about a
    /// fifth of the document check's instructions went to the calls alone).
    @inlinable
    public static func firstNUL(_ base: UnsafeRawPointer, from start: Int, before end: Int) -> Int? {
        var p = start
        while end &- p >= 8 {
            let zeros = zeroBytes(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt64.self)))
            if zeros != 0 { return p &+ zeros.trailingZeroBitCount &>> 3 }
            p &+= 8
        }
        while p < end {
            if base.load(fromByteOffset: p, as: UInt8.self) == 0 { return p }
            p &+= 1
        }
        return nil
    }

    /// True when the document has no elements.
    public var isEmpty: Bool { bytes.count <= 5 }

    /// The elements in order. Inlinable down to the element accessors: a
    /// plugin reading a few fields per record paid a cross-module call per
    /// element and per accessor, about half of what it spent on a record.
    @inlinable public var elements: ElementSequence { ElementSequence(bytes: bytes) }

    /// The first element named `key`, or nil.
    public subscript(key: String) -> BSONElement? {
        var key = key
        return key.withUTF8 { k in element(keyBytes: UnsafeRawBufferPointer(k)) }
    }

    /// Looks up an element by its key's UTF-8 bytes (no String allocation).
    public func element(keyBytes: UnsafeRawBufferPointer) -> BSONElement? {
        for e in elements where e.keyEquals(keyBytes) { return e }
        return nil
    }

    /// Follows a dotted path ("a.b.0.c") through documents and arrays.
    /// Each part is looked up by its bytes in the path's own UTF-8: a
    /// source's `event_time_field`, say, is followed once per record, where
    /// splitting the path into Strings cost a few percent of a file read.
    public func element(path: String) -> BSONElement? {
        var path = path
        return path.withUTF8 { utf8 in
            var current: BSONDocument? = self
            var found: BSONElement?
            var start = 0
            while true {
                var end = start
                while end < utf8.count, utf8[end] != UInt8(ascii: ".") { end += 1 }
                let part = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start ..< end])
                guard let doc = current, let e = doc.element(keyBytes: part) else { return nil }
                found = e
                current = e.document
                if end == utf8.count { return found }
                start = end + 1
            }
        }
    }

    public struct ElementSequence: Sequence, IteratorProtocol {
        @usableFromInline let bytes: UnsafeRawBufferPointer
        @usableFromInline var position = 4

        @inlinable init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        @inlinable public mutating func next() -> BSONElement? {
            guard position < bytes.count - 1, let type = BSONType(rawValue: bytes[position]) else { return nil }
            let keyStart = position + 1
            // A well-formed document NUL-terminates every key inside its bytes; strlen scans a word at a
            // time where a byte loop cost 4 instructions per key byte. UInt8 and CChar may alias.
            let keyEnd = keyStart + strlen((bytes.baseAddress! + keyStart).assumingMemoryBound(to: CChar.self))
            let valueStart = keyEnd + 1
            let size = BSONElement.valueSize(type, bytes, at: valueStart, end: bytes.count - 1) ?? 0
            position = valueStart + size
            return BSONElement(type: type, base: bytes, keyStart: keyStart, keyLength: keyEnd - keyStart,
                               valueStart: valueStart, valueSize: size)
        }
    }
}

/// One element of a `BSONDocument`: its type, key and value, read in place.
public struct BSONElement {
    public let type: BSONType
    @usableFromInline let base: UnsafeRawBufferPointer
    @usableFromInline let keyStart: Int
    @usableFromInline let keyLength: Int
    @usableFromInline let valueStart: Int
    @usableFromInline let valueSize: Int

    /// An element read in place from `base`: for readers that walk a
    /// document's bytes themselves (a plugin's one pass for its fields).
    /// The offsets are trusted: they must describe one element of a
    /// well-formed document.
    @inlinable public init(type: BSONType, base: UnsafeRawBufferPointer, keyStart: Int, keyLength: Int, valueStart: Int, valueSize: Int) {
        self.type = type
        self.base = base
        self.keyStart = keyStart
        self.keyLength = keyLength
        self.valueStart = valueStart
        self.valueSize = valueSize
    }

    /// The key's bytes (UTF-8, no NUL).
    @inlinable public var keyBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: base[keyStart ..< keyStart + keyLength])
    }

    public var key: String { String(decoding: keyBytes, as: UTF8.self) }

    /// The raw bytes of the value as stored (for copying into a writer).
    @inlinable public var valueBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: base[valueStart ..< valueStart + valueSize])
    }

    @inlinable public func keyEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        guard other.count == keyLength else { return false }
        return keyLength == 0 || memcmp(other.baseAddress!, base.baseAddress! + keyStart, keyLength) == 0
    }

    @inlinable public var double: Double? { type == .double ? Double(bitPattern: base.loadLE(UInt64.self, at: valueStart)) : nil }
    @inlinable public var int32: Int32? { type == .int32 ? base.loadLE(Int32.self, at: valueStart) : nil }
    @inlinable public var int64: Int64? { type == .int64 ? base.loadLE(Int64.self, at: valueStart) : nil }
    @inlinable public var bool: Bool? { type == .bool ? base[valueStart] != 0 : nil }
    /// Milliseconds since the Unix epoch of a datetime element.
    @inlinable public var datetime: Int64? { type == .datetime ? base.loadLE(Int64.self, at: valueStart) : nil }

    /// Any integer or double as a Double.
    @inlinable public var number: Double? {
        switch type {
        case .double: return double
        case .int32: return Double(int32!)
        case .int64: return Double(int64!)
        default: return nil
        }
    }

    /// An int32 or int64, or a double with no fractional part, as Int64.
    @inlinable public var integer: Int64? {
        switch type {
        case .int32: return Int64(int32!)
        case .int64: return int64
        case .double:
            let d = double!
            return d.rounded() == d && abs(d) < 9.2e18 ? Int64(d) : nil
        default: return nil
        }
    }

    /// The string's UTF-8 bytes without the NUL, for string, symbol and code.
    @inlinable public var stringBytes: UnsafeRawBufferPointer? {
        guard type == .string || type == .symbol || type == .javascript else { return nil }
        let length = Int(base.loadLE(Int32.self, at: valueStart)) - 1
        return UnsafeRawBufferPointer(rebasing: base[valueStart + 4 ..< valueStart + 4 + length])
    }

    public var string: String? { stringBytes.map { String(decoding: $0, as: UTF8.self) } }

    /// Embedded document or array as a document view.
    @inlinable public var document: BSONDocument? {
        guard type == .document || type == .array else { return nil }
        return BSONDocument(valueBytes)
    }

    /// The 12 bytes of an ObjectId.
    public var objectIdBytes: UnsafeRawBufferPointer? { type == .objectId ? valueBytes : nil }

    /// Subtype and payload of a binary element.
    public var binary: (subtype: UInt8, data: UnsafeRawBufferPointer)? {
        guard type == .binary else { return nil }
        let length = Int(base.loadLE(Int32.self, at: valueStart))
        return (base[valueStart + 4], UnsafeRawBufferPointer(rebasing: base[valueStart + 5 ..< valueStart + 5 + length]))
    }

    /// Size in bytes of a value of `type` starting at `p`, or nil if it runs past `end`.
    @inlinable public static func valueSize(_ type: BSONType, _ b: UnsafeRawBufferPointer, at p: Int, end: Int) -> Int? {
        func lengthPrefixed(_ extra: Int) -> Int? {
            guard p + 4 <= end else { return nil }
            let n = Int(b.loadLE(Int32.self, at: p))
            return n >= 0 ? 4 + n + extra : nil
        }
        switch type {
        case .double, .datetime, .int64, .timestamp: return 8
        case .int32: return 4
        case .bool: return 1
        case .objectId: return 12
        case .decimal128: return 16
        case .null, .undefined, .minKey, .maxKey: return 0
        case .string, .javascript, .symbol: return lengthPrefixed(0)
        case .document, .array, .javascriptWithScope:
            guard p + 4 <= end else { return nil }
            return Int(b.loadLE(Int32.self, at: p))
        case .binary: return lengthPrefixed(1)
        case .regex:
            guard let a = b.indexOfNul(from: p, end: end), let c = b.indexOfNul(from: a + 1, end: end) else { return nil }
            return c + 1 - p
        case .dbPointer: return lengthPrefixed(12)
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a little-endian integer at an unaligned offset.
    @inlinable @inline(__always)
    func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    @inlinable func indexOfNul(from start: Int, end: Int) -> Int? {
        var i = start
        while i < end {
            if self[i] == 0 { return i }
            i += 1
        }
        return nil
    }
}
