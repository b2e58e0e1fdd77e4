/// What `JSONText` keeps from one document for the next, for lines of
/// records that repeat the same keys in the same order: each top-level key
/// as it is in BSON next to its JSON text (`"key":`), so that the next
/// document's key is compared a word at a time and its text copied instead
/// of scanned for escapes; and the last date's day.
///
/// The keys are slots back to back, in document order: the key's length
/// with its NUL and the text's length (two `UInt32`s), the masks of the
/// key's first sixteen bytes (two words, its bytes 0xFF and those after it
/// zero: a key of most lengths is compared without working them out again
/// per document), the key and its NUL, then the text. A key that differs from its slot's drops that slot and
/// those after it, and the document's keys from there are remembered anew.
struct JSONTextMemo: ~Copyable {
    /// Slots are not kept past this many bytes: a document with thousands
    /// of keys would otherwise keep their copy for as long as the writer lives.
    static let maximumBytes = 1 << 14
    /// Bytes readable past `count` (two words' overrun when comparing and copying).
    static let padding = 16
    /// Bytes of a slot before its key: the two lengths and the two masks.
    static var header: Int { 24 }

    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes of the slots remembered.
    var count = 0
    var day = ISO8601.Day()

    init() {
        capacity = 256
        bytes = .allocate(capacity: capacity + Self.padding)
        bytes.initialize(repeating: 0, count: capacity + Self.padding)
    }

    deinit { bytes.deallocate() }

    /// Remembers, as the slot at `offset`, the key at `key` (`keyLength` bytes with its NUL)
    /// and its text (`textLength` bytes at `text`); false when that would pass `maximumBytes`.
    mutating func remember(at offset: Int, key: UnsafeRawPointer, keyLength: Int, text: UnsafePointer<UInt8>, textLength: Int) -> Bool {
        count = offset
        let end = offset + Self.header + keyLength + textLength
        guard end <= Self.maximumBytes else { return false }
        if end > capacity { grow(to: max(end, capacity * 2)) }
        let slot = UnsafeMutableRawPointer(bytes + offset)
        slot.storeBytes(of: UInt32(truncatingIfNeeded: keyLength), as: UInt32.self)
        slot.storeBytes(of: UInt32(truncatingIfNeeded: textLength), toByteOffset: 4, as: UInt32.self)
        let bits = min(keyLength, 16) * 8
        let low: UInt64 = bits >= 64 ? .max : (1 << bits) - 1
        let high: UInt64 = bits <= 64 ? 0 : bits >= 128 ? .max : (1 << (bits - 64)) - 1
        // Stored little-endian: as bytes, 0xFF over the key's, whatever the machine's order.
        slot.storeBytes(of: low.littleEndian, toByteOffset: 8, as: UInt64.self)
        slot.storeBytes(of: high.littleEndian, toByteOffset: 16, as: UInt64.self)
        (slot + Self.header).copyMemory(from: key, byteCount: keyLength)
        (slot + Self.header + keyLength).copyMemory(from: text, byteCount: textLength)
        count = end
        return true
    }

    private mutating func grow(to size: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: size + Self.padding)
        bigger.initialize(repeating: 0, count: size + Self.padding)
        bigger.update(from: bytes, count: count)
        bytes.deallocate()
        bytes = bigger
        capacity = size
    }
}
