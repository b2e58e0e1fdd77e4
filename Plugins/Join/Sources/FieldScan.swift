#if canImport(Glibc)
import Glibc
#endif

import SluiceSDK

/// Finds the first top-level element of one or two names in one pass over a
/// document's bytes. A join reads a key and an event time from every row;
/// walking the document through `BSONDocument.elements` cost about a hundred
/// instructions per element (an optional `BSONType` per type byte, a
/// `strlen` call per key, a general `valueSize`), this about twenty: keys
/// are measured eight bytes at a time and the common value sizes are read
/// inline.
///
/// Owns copies of the names, so scanning retains nothing.
final class FieldScan {
    private let first: UnsafeRawBufferPointer
    private let second: UnsafeRawBufferPointer?

    /// The elements found, or `unreadable` when the bytes are not a
    /// well-formed document: the caller then reads it the general way, which
    /// reports what is wrong.
    enum Found {
        case elements(BSONElement?, BSONElement?)
        case unreadable
    }

    init(_ first: String, _ second: String?) {
        self.first = Self.copy(first)
        self.second = second.map(Self.copy)
    }

    deinit {
        first.deallocate()
        second?.deallocate()
    }

    private static func copy(_ name: String) -> UnsafeRawBufferPointer {
        let utf8 = Array(name.utf8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(utf8.count, 1), alignment: 1)
        utf8.withUnsafeBytes { buffer.copyMemory(from: $0) }
        // The allocation's start, so that `deallocate` frees it; its length, the name's.
        return UnsafeRawBufferPointer(start: buffer.baseAddress, count: utf8.count)
    }

    /// The first element named like each name (nil: none), stopping as soon as each is found.
    func find(in document: UnsafeRawBufferPointer) -> Found {
        guard document.count >= 5, let base = document.baseAddress else { return .unreadable }
        // The document's last byte is its terminating NUL: no element starts there.
        let end = document.count - 1
        // Only offsets live through the loop: elements kept in it were spilled to the stack and back at every step.
        let first = self.first
        let second = self.second ?? UnsafeRawBufferPointer(start: nil, count: 0)
        let wantsSecond = self.second != nil
        var firstAt = -1
        var secondAt = -1
        var position = 4
        while position < end {
            let type = base.load(fromByteOffset: position, as: UInt8.self)
            guard let keyEnd = Self.nul(base, from: position + 1, end: end) else { return .unreadable }
            let valueStart = keyEnd + 1
            // Only a known type byte has a size: the type is checked there.
            guard let size = Self.valueSize(type, document, at: valueStart, end: end), size <= end - valueStart else { return .unreadable }
            let keyLength = keyEnd - position - 1
            // Not `else if`: when both names are one, both find its first element, as two lookups do.
            if firstAt < 0, Self.equal(base + position + 1, keyLength, first) { firstAt = position }
            if wantsSecond, secondAt < 0, Self.equal(base + position + 1, keyLength, second) { secondAt = position }
            if firstAt >= 0, secondAt >= 0 || !wantsSecond { break }
            position = valueStart + size
        }
        return .elements(Self.element(at: firstAt, keyLength: first.count, in: document),
                         Self.element(at: secondAt, keyLength: second.count, in: document))
    }

    /// The element whose type byte is at `position` (-1: none), its key `keyLength` bytes long.
    private static func element(at position: Int, keyLength: Int, in document: UnsafeRawBufferPointer) -> BSONElement? {
        guard position >= 0 else { return nil }
        let type = document[position]
        let valueStart = position + 2 + keyLength
        // The scan read both already: neither can fail here.
        return BSONElement(type: BSONType(rawValue: type)!, base: document, keyStart: position + 1, keyLength: keyLength,
                           valueStart: valueStart, valueSize: valueSize(type, document, at: valueStart, end: document.count - 1)!)
    }

    @inline(__always)
    private static func equal(_ key: UnsafeRawPointer, _ length: Int, _ name: UnsafeRawBufferPointer) -> Bool {
        guard length == name.count else { return false }
        return length == 0 || memcmp(key, name.baseAddress!, length) == 0
    }

    /// The offset of the first NUL in `start ..< end`, read a word at a time
    /// while a whole word fits: a word's first zero byte is the lowest byte
    /// whose top bit survives `(w - 0x01…) & ~w & 0x80…`.
    @inline(__always)
    static func nul(_ base: UnsafeRawPointer, from start: Int, end: Int) -> Int? {
        var i = start
        while i + 8 <= end {
            let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let zeros = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
            if zeros != 0 { return i + zeros.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            if base.load(fromByteOffset: i, as: UInt8.self) == 0 { return i }
            i += 1
        }
        return nil
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
