import Glibc

/// Series keys, looked up by their UTF-8 bytes, to dense slots 0, 1, 2, …
///
/// The key lookup is on every record's path: a `[String: Int]` built a
/// String from the BSON bytes and hashed it with SipHash, about a tenth of
/// an update. This table hashes the bytes in place a word at a time (open
/// addressing, linear probing) and makes a String only when a key is first
/// seen. A bucket carries part of the hash, the key's length and its first
/// 16 bytes, so a key of up to 16 bytes (sensor ids, most beach names) is
/// found by reading one bucket: with 10,000 keys every other array read is a
/// cache miss.
struct KeyTable {
    struct Bucket {
        /// Hash bits 40…63, the key's length (capped at 255) in bits 32…39,
        /// slot + 1 in bits 0…31; 0 for an empty bucket.
        var entry: UInt64 = 0
        /// The key's first 16 bytes, zero-padded.
        var head: (UInt64, UInt64) = (0, 0)
    }

    /// The keys by slot.
    private(set) var keys: [String] = []
    /// Every key's bytes, back to back; key s spans `starts[s] ..< starts[s + 1]`.
    /// Read only for keys longer than 16 bytes and to rehash.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    /// A power of two in size, at most half full.
    private var buckets = [Bucket](repeating: Bucket(), count: 16)

    /// The slot of `key`, added as the next slot on first sight.
    mutating func slot(adding key: UnsafeRawBufferPointer) -> (slot: Int, added: Bool) {
        // The head's loads serve both the hash and the bucket compare.
        let head = Self.head(key)
        let h = Self.hash(key, head)
        let (b, found) = probe(key, h, head)
        if found { return (Self.slot(buckets[b].entry), false) }
        let s = keys.count
        keys.append(String(decoding: key, as: UTF8.self))
        bytes.append(contentsOf: key)
        starts.append(bytes.count)
        buckets[b] = Bucket(entry: Self.tag(h, key.count) | UInt64(s + 1), head: head)
        if 2 * keys.count > buckets.count { grow() }
        return (s, true)
    }

    /// `slot(adding:)` for a key held as a String (tests, snapshots).
    mutating func slot(adding key: String) -> (slot: Int, added: Bool) {
        var key = key
        return key.withUTF8 { slot(adding: UnsafeRawBufferPointer($0)) }
    }

    /// The bucket holding `key`, or the empty bucket where it would go.
    private func probe(_ key: UnsafeRawBufferPointer, _ h: UInt64, _ head: (UInt64, UInt64)) -> (bucket: Int, found: Bool) {
        let tag = Self.tag(h, key.count)
        return buckets.withUnsafeBufferPointer { buckets in
            let mask = buckets.count - 1
            var b = Int(truncatingIfNeeded: h) & mask
            while true {
                let bucket = buckets[b]
                if bucket.entry == 0 { return (b, false) }
                if bucket.entry & Self.tagMask == tag, bucket.head == head,
                   key.count <= 16 || matches(Self.slot(bucket.entry), key) { return (b, true) }
                b = (b + 1) & mask
            }
        }
    }

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    private static func tag(_ h: UInt64, _ length: Int) -> UInt64 {
        h & 0xFFFF_FF00_0000_0000 | UInt64(min(length, 255)) << 32
    }

    private static func slot(_ entry: UInt64) -> Int { Int(entry & 0xFFFF_FFFF) - 1 }

    @inline(__always)
    private static func head(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        (word(key, 0, min(key.count, 8)), key.count > 8 ? word(key, 8, min(key.count - 8, 8)) : 0)
    }

    /// The `count` (0…8) bytes of `key` from `start` as a zero-padded
    /// little-endian word, by at most three loads inside the key: a
    /// `copyMemory` of them was a `memcpy` call, two per lookup.
    @inline(__always)
    static func word(_ key: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> UInt64 {
        // An empty key's buffer may have no address.
        guard count > 0 else { return 0 }
        let p = key.baseAddress! + start
        switch count {
        case 8: return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        case 4 ... 7:
            // Two 4-byte loads that overlap in the middle; the overlapping bytes agree.
            let low = UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
            return low | high << UInt64(8 * (count - 4))
        default:
            let middle = count / 2
            return UInt64(p.load(as: UInt8.self)) | UInt64(p.load(fromByteOffset: middle, as: UInt8.self)) << UInt64(8 * middle)
                | UInt64(p.load(fromByteOffset: count - 1, as: UInt8.self)) << UInt64(8 * (count - 1))
        }
    }

    private func matches(_ s: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = starts[s]
        guard starts[s + 1] - start == key.count else { return false }
        return bytes.withUnsafeBytes { all in memcmp(all.baseAddress! + start, key.baseAddress!, key.count) == 0 }
    }

    private mutating func grow() {
        let old = buckets
        buckets = [Bucket](repeating: Bucket(), count: 2 * old.count)
        for bucket in old where bucket.entry != 0 {
            let s = Self.slot(bucket.entry)
            let h = bytes.withUnsafeBytes { Self.hash(UnsafeRawBufferPointer(rebasing: $0[starts[s] ..< starts[s + 1]])) }
            var b = Int(truncatingIfNeeded: h) & (buckets.count - 1)
            while buckets[b].entry != 0 { b = (b + 1) & (buckets.count - 1) }
            buckets[b] = bucket
        }
    }

    /// A multiply-xorshift hash over 8-byte words (the tail zero-padded,
    /// the length mixed in so "a" and "a\0" differ); keys are sensor names,
    /// not adversarial input, and a probe confirms every match on the bytes.
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 { hash(key, head(key)) }

    /// `hash(key)` given the key's `head`: a key of up to 16 bytes is hashed
    /// from it without loading its bytes again.
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer, _ head: (UInt64, UInt64)) -> UInt64 {
        let m: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h = UInt64(truncatingIfNeeded: key.count) &* m
        if key.count <= 16 {
            // The head's words are the key's words, the last one zero-padded: the same as the loop below.
            if key.count > 0 {
                h = (h ^ head.0) &* m
                h ^= h >> 29
            }
            if key.count > 8 {
                h = (h ^ head.1) &* m
                h ^= h >> 29
            }
        } else {
            var i = 0
            while i + 8 <= key.count {
                h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* m
                h ^= h >> 29
                i += 8
            }
            if i < key.count {
                // The last 1…7 bytes as one word, the same as shifting them in one by one (little-endian).
                h = (h ^ word(key, i, key.count - i)) &* m
                h ^= h >> 29
            }
        }
        h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h >> 32)
    }
}
