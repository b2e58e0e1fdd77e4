import Glibc

/// Series keys, looked up by their UTF-8 bytes, to dense slots 0, 1, 2, …
///
/// The key lookup is on every record's path: a `[String: Int]` built a
/// String from the BSON bytes and hashed it with SipHash, about a tenth of
/// an update. This table hashes the bytes in place a word at a time
/// (open addressing, linear probing, the hash's top half kept in the bucket
/// beside the slot so a probe compares bytes only on a match, and reads no
/// other array until then) and makes a String only when a key is first seen.
struct KeyTable {
    /// The keys by slot.
    private(set) var keys: [String] = []
    /// Every key's bytes, back to back; key s spans `starts[s] ..< starts[s + 1]`.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    /// Per bucket: the key's hash's top 32 bits, then slot + 1 in the low 32
    /// (0 for empty); a power of two in size, at most half full.
    private var buckets = [UInt64](repeating: 0, count: 16)

    var count: Int { keys.count }

    /// The slot of `key`, or nil if it was never added.
    func slot(of key: UnsafeRawBufferPointer) -> Int? {
        let (b, found) = probe(key, Self.hash(key))
        return found ? Int(buckets[b] & 0xFFFF_FFFF) - 1 : nil
    }

    /// The slot of `key`, added as the next slot on first sight.
    mutating func slot(adding key: UnsafeRawBufferPointer) -> (slot: Int, added: Bool) {
        let h = Self.hash(key)
        let (b, found) = probe(key, h)
        if found { return (Int(buckets[b] & 0xFFFF_FFFF) - 1, false) }
        let s = keys.count
        keys.append(String(decoding: key, as: UTF8.self))
        bytes.append(contentsOf: key)
        starts.append(bytes.count)
        buckets[b] = h & 0xFFFF_FFFF_0000_0000 | UInt64(s + 1)
        if 2 * keys.count > buckets.count { grow() }
        return (s, true)
    }

    /// The bucket holding `key`, or the empty bucket where it would go.
    private func probe(_ key: UnsafeRawBufferPointer, _ h: UInt64) -> (bucket: Int, found: Bool) {
        let mask = buckets.count - 1
        let tag = h & 0xFFFF_FFFF_0000_0000
        var b = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = buckets[b]
            if entry == 0 { return (b, false) }
            if entry & 0xFFFF_FFFF_0000_0000 == tag, matches(Int(entry & 0xFFFF_FFFF) - 1, key) { return (b, true) }
            b = (b + 1) & mask
        }
    }

    /// `slot(adding:)` for a key held as a String (tests, snapshots).
    mutating func slot(adding key: String) -> (slot: Int, added: Bool) {
        var key = key
        return key.withUTF8 { slot(adding: UnsafeRawBufferPointer($0)) }
    }

    private func matches(_ s: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = starts[s]
        guard starts[s + 1] - start == key.count else { return false }
        return bytes.withUnsafeBytes { all in
            key.isEmpty || memcmp(all.baseAddress! + start, key.baseAddress!, key.count) == 0
        }
    }

    private mutating func grow() {
        let old = buckets
        buckets = [UInt64](repeating: 0, count: 2 * old.count)
        for entry in old where entry != 0 {
            let s = Int(entry & 0xFFFF_FFFF) - 1
            let h = bytes.withUnsafeBytes { Self.hash(UnsafeRawBufferPointer(rebasing: $0[starts[s] ..< starts[s + 1]])) }
            var b = Int(truncatingIfNeeded: h) & (buckets.count - 1)
            while buckets[b] != 0 { b = (b + 1) & (buckets.count - 1) }
            buckets[b] = entry
        }
    }

    /// A multiply-xorshift hash over 8-byte words (the tail zero-padded,
    /// the length mixed in so "a" and "a\0" differ); keys are sensor names,
    /// not adversarial input, and the full 64 bits are compared on a probe.
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        let m: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h = UInt64(truncatingIfNeeded: key.count) &* m
        var i = 0
        while i + 8 <= key.count {
            h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* m
            h ^= h >> 29
            i += 8
        }
        if i < key.count {
            var tail: UInt64 = 0
            for j in i ..< key.count { tail |= UInt64(key[j]) << (8 * UInt64(j - i)) }
            h = (h ^ tail) &* m
            h ^= h >> 29
        }
        h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h >> 32)
    }
}
