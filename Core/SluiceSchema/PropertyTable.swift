#if canImport(Glibc)
import Glibc
#endif

/// An open-addressing table from member names (UTF-8) to their index in
/// `properties`, probed with a key read in place from the record: no String,
/// no allocation, no SipHash per lookup.
struct PropertyTable: Sendable {
    private let keys: [[UInt8]]
    private let hashes: [UInt64]
    /// Index into `keys` + 1 per slot; 0 is empty. A power of two, at most half full.
    private let slots: [Int32]
    private let mask: Int

    init(_ keys: [[UInt8]]) {
        self.keys = keys
        hashes = keys.map { $0.withUnsafeBytes(Self.hash) }
        var size = 4
        while size < keys.count * 2 { size <<= 1 }
        var slots = [Int32](repeating: 0, count: size)
        for (i, h) in hashes.enumerated() {
            var s = Int(truncatingIfNeeded: h) & (size - 1)
            while slots[s] != 0 { s = (s + 1) & (size - 1) }
            slots[s] = Int32(i + 1)
        }
        self.slots = slots
        mask = size - 1
    }

    /// The index of `key` (whose `hash` the caller computed once for several tables), or nil.
    func find(_ key: UnsafeRawBufferPointer, hash h: UInt64) -> Int? {
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[s])
            if entry == 0 { return nil }
            let i = entry - 1
            if hashes[i] == h, Self.equal(keys[i], key) { return i }
            s = (s + 1) & mask
        }
    }

    /// FNV-1a, 64 bits.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    @inline(__always)
    static func equal(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.isEmpty || a.withUnsafeBytes { memcmp($0.baseAddress!, b.baseAddress!, a.count) == 0 })
    }
}
