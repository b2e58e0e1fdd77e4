#if canImport(Glibc)
import Glibc
#endif

import SluiceSDK

/// Finds the first top-level element of one or two names in one pass over a
/// document's bytes. A join reads a key and an event time from every row;
/// walking the document through `BSONDocument.elements` cost about a hundred
/// and thirty instructions per element (an optional `BSONType` per type
/// byte, a `strlen` call per key, a general `valueSize`). Here one word read
/// at each key both finds the key's end and compares it with each name, and
/// the common value sizes are read inline.
///
/// Owns copies of the names, so scanning retains nothing.
final class FieldScan {
    /// A name as its first word (zero-padded), the mask of its bytes in that
    /// word, and the whole name for one longer than a word.
    struct Name {
        let bytes: UnsafeRawBufferPointer
        /// -1: no name (matches no key).
        let count: Int
        let word: UInt64
        let mask: UInt64

        init(_ bytes: UnsafeRawBufferPointer?) {
            self.bytes = bytes ?? UnsafeRawBufferPointer(start: nil, count: 0)
            count = bytes?.count ?? -1
            var word: UInt64 = 0
            if let bytes { withUnsafeMutableBytes(of: &word) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(8))) } }
            self.word = word
            let n = min(max(count, 0), 8)
            mask = n == 8 ? ~0 : (1 << (8 * UInt64(n))) &- 1
        }

        /// Whether the key of `length` bytes at `key`, whose first word is `w`, is this name.
        @inline(__always)
        func matches(_ key: UnsafeRawPointer, length: Int, firstWord w: UInt64) -> Bool {
            guard length == count, w & mask == word else { return false }
            return count <= 8 || memcmp(key + 8, bytes.baseAddress! + 8, count &- 8) == 0
        }
    }

    private let first: Name
    private let second: Name


    init(_ first: String, _ second: String?) {
        self.first = Name(Self.copy(first))
        self.second = Name(second.map(Self.copy))
    }

    deinit {
        first.bytes.deallocate()
        if second.count >= 0 { second.bytes.deallocate() }
    }

    private static func copy(_ name: String) -> UnsafeRawBufferPointer {
        let utf8 = Array(name.utf8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(utf8.count, 1), alignment: 1)
        utf8.withUnsafeBytes { buffer.copyMemory(from: $0) }
        // The allocation's start, so that `deallocate` frees it; its length, the name's.
        return UnsafeRawBufferPointer(start: buffer.baseAddress, count: utf8.count)
    }

    /// Where the first element named like each name starts (its type
    /// byte; -1: none), stopping as soon as each is found; nil when the bytes
    /// are not a well-formed document: the caller then reads it the general
    /// way, which reports what is wrong. Offsets, not elements: most callers
    /// need only a string or a datetime from them (`string(at:)`, `datetime(at:)`).
    func find(in document: UnsafeRawBufferPointer) -> (first: Int, second: Int)? {
        guard document.count >= 5, let base = document.baseAddress else { return nil }
        // The document's last byte is its terminating NUL: no element starts there.
        let end = document.count &- 1
        // Only offsets live through the loop: elements kept in it were spilled to the stack and back at every step.
        let first = self.first
        let second = self.second
        var firstAt = -1
        // Without a second name, found from the start.
        var secondAt = second.count < 0 ? Int.max : -1
        var position = 4
        while position < end {
            let type = base.load(fromByteOffset: position, as: UInt8.self)
            let keyStart = position &+ 1
            var keyEnd: Int
            var w: UInt64 = 0
            if keyStart &+ 8 <= end {
                w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: keyStart, as: UInt64.self))
                let zeros = BSONDocument.zeroBytes(w)
                if zeros != 0 {
                    keyEnd = keyStart &+ zeros.trailingZeroBitCount &>> 3
                } else {
                    guard let found = BSONDocument.firstNUL(base, from: keyStart &+ 8, before: end) else { return nil }
                    keyEnd = found
                }
            } else {
                // Within a word of the end: byte by byte, the word assembled from what there is.
                keyEnd = keyStart
                while keyEnd < end, base.load(fromByteOffset: keyEnd, as: UInt8.self) != 0 {
                    w |= UInt64(base.load(fromByteOffset: keyEnd, as: UInt8.self)) << (8 * UInt64(keyEnd &- keyStart))
                    keyEnd &+= 1
                }
                guard keyEnd < end else { return nil }
            }
            let valueStart = keyEnd &+ 1
            // Only a known type byte has a size: the type is checked there.
            guard let size = Self.valueSize(type, document, at: valueStart, end: end), size <= end &- valueStart else { return nil }
            let keyLength = keyEnd &- keyStart
            // Not `else if`: when both names are one, both find its first element, as two lookups do.
            if firstAt < 0, first.matches(base + keyStart, length: keyLength, firstWord: w) { firstAt = position }
            if secondAt < 0, second.matches(base + keyStart, length: keyLength, firstWord: w) { secondAt = position }
            if firstAt >= 0, secondAt >= 0 { break }
            position = valueStart &+ size
        }
        return (firstAt, second.count < 0 ? -1 : secondAt)
    }

    /// Where the value of the element found at `position` for the first (or second) name starts.
    @inline(__always)
    private func valueStart(_ position: Int, second: Bool) -> Int {
        position + 2 + (second ? self.second.count : first.count)
    }

    /// The element found at `position` (`find`'s answer for the first name, or the second).
    func element(at position: Int, second: Bool, in document: UnsafeRawBufferPointer) -> BSONElement {
        let type = document[position]
        let valueStart = valueStart(position, second: second)
        // The scan read both already: neither can fail here.
        return BSONElement(type: BSONType(rawValue: type)!, base: document, keyStart: position + 1, keyLength: valueStart - position - 2,
                           valueStart: valueStart, valueSize: Self.valueSize(type, document, at: valueStart, end: document.count - 1)!)
    }

    /// The UTF-8 bytes of the string found at `position`, or nil if it is another type.
    @inline(__always)
    func string(at position: Int, second: Bool, in document: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard document[position] == BSONType.string.rawValue else { return nil }
        let valueStart = valueStart(position, second: second)
        // The scan checked that the length fits; it counts the NUL.
        let length = Int(Int32(littleEndian: document.loadUnaligned(fromByteOffset: valueStart, as: Int32.self)))
        guard length >= 1 else { return nil }
        return UnsafeRawBufferPointer(rebasing: document[valueStart + 4 ..< valueStart + 3 + length])
    }

    /// The milliseconds of the datetime found at `position`, or nil if it is another type.
    @inline(__always)
    func datetime(at position: Int, second: Bool, in document: UnsafeRawBufferPointer) -> Int64? {
        guard document[position] == BSONType.datetime.rawValue else { return nil }
        return Int64(littleEndian: document.loadUnaligned(fromByteOffset: valueStart(position, second: second), as: Int64.self))
    }

    /// The size of a value of BSON type byte `type` at `p`; the common fixed
    /// and length-prefixed types inline, the rest as `BSONElement.valueSize`.
    @inline(__always)
    static func valueSize(_ type: UInt8, _ b: UnsafeRawBufferPointer, at p: Int, end: Int) -> Int? {
        switch type {
        case BSONType.double.rawValue, BSONType.datetime.rawValue, BSONType.int64.rawValue: return 8
        case BSONType.int32.rawValue: return 4
        case BSONType.bool.rawValue: return 1
        case BSONType.null.rawValue: return 0
        case BSONType.string.rawValue, BSONType.document.rawValue:
            guard p + 4 <= end else { return nil }
            let n = Int(Int32(littleEndian: b.loadUnaligned(fromByteOffset: p, as: Int32.self)))
            guard n >= 0 else { return nil }
            return type == BSONType.string.rawValue ? 4 + n : n
        default:
            guard let t = BSONType(rawValue: type) else { return nil }
            return BSONElement.valueSize(t, b, at: p, end: end)
        }
    }
}
