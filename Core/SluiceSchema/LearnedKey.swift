#if canImport(Glibc)
import Glibc
#endif

/// A member name remembered, so the next record's member at the same
/// position is recognised by comparing words in place (`LearnedMember`): records
/// of a stream mostly list the same keys in the same order, and a key that
/// matches needs no `strlen`, hash or table probe.
///
/// The words are loaded from the key followed by its NUL, so a match also
/// proves the record's key ends where the learned one does.
struct LearnedKey {
    /// Bytes 0 ..< 8 of key + NUL (short keys: masked by `second`).
    private var first: UInt64 = 0
    /// Keys under 8 bytes: the mask of their bytes and NUL; 16 to 23 bytes: bytes 8 ..< 16.
    private var second: UInt64 = 0
    /// Keys of 8 bytes or more: the 8 bytes ending with the NUL.
    private var last: UInt64 = 0
    /// Keys of 24 bytes or more: where their bytes are kept (the program's names).
    private var bytes: UnsafeRawPointer?
    /// The key's length; -1 when nothing is learned (matches no key).
    private(set) var count: Int32 = -1

    /// Nothing learned.
    init() {}

    /// The key of `count` bytes at `key`, which the byte at `key + count` (a
    /// NUL) ends, with `end` (the document's trailing NUL) the last byte
    /// that may be read; `stored` holds the same bytes for keys of 24 bytes
    /// or more. Nil when a long key has no stored copy.
    init?(key: UnsafeRawPointer, count: Int, end: UnsafeRawPointer, stored: UnsafeRawPointer?) {
        if count >= 24 {
            guard let stored else { return nil }
            bytes = stored
        }
        if count < 8 {
            // The mask covers the key's bytes and its NUL, laid out in memory order.
            withUnsafeMutableBytes(of: &second) { m in
                for i in 0 ... count { m[i] = 0xFF }
            }
            if key + 8 <= end + 1 {
                first = key.loadUnaligned(as: UInt64.self) & second
            } else {
                // Near the document's end: gathered byte by byte, as a load would lay them out.
                withUnsafeMutableBytes(of: &first) { w in
                    for i in 0 ..< count { w[i] = key.load(fromByteOffset: i, as: UInt8.self) }
                }
            }
        } else {
            first = key.loadUnaligned(as: UInt64.self)
            last = key.loadUnaligned(fromByteOffset: count - 7, as: UInt64.self)
            if count >= 16, count < 24 { second = key.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        }
        self.count = Int32(count)
    }

    /// Whether the key at `key` (a member's name, NUL-terminated in a
    /// document whose trailing NUL is at `end`) is the learned one.
    @inline(__always)
    func matches(_ key: UnsafeRawPointer, end: UnsafeRawPointer) -> Bool {
        let n = Int(count)
        if n < 8 {
            guard n >= 0 else { return false }
            if key + 8 <= end + 1 { return key.loadUnaligned(as: UInt64.self) & second == first }
            guard key + n <= end else { return false }
            return withUnsafeBytes(of: first) { w in
                for i in 0 ... n where key.load(fromByteOffset: i, as: UInt8.self) != w[i] { return false }
                return true
            }
        }
        guard key + n <= end, key.loadUnaligned(as: UInt64.self) == first,
              key.loadUnaligned(fromByteOffset: n - 7, as: UInt64.self) == last else { return false }
        if n < 16 { return true }
        if n < 24 { return key.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == second }
        return memcmp(key + 8, bytes! + 8, n - 15) == 0
    }
}
