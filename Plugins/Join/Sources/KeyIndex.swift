/// The join's map from key to a value (the key's rows), with open
/// addressing and a multiply-fold hash of the key's words: a lookup costs
/// one hash of a few instructions where `Dictionary`'s SipHash cost about
/// two hundred, and a value is reached again by its entry number, which
/// stays put while the key is in the index, with no hash at all (eviction
/// reaches its key's rows that way, through `Link.entry`).
///
/// The hash is seeded per process, so inputs cannot be chosen in advance to
/// collide. Buckets hold entry numbers plus one (0: empty) next to the low
/// 32 bits of their key's hash, at most half of them used: a probe past
/// another key, and removal's shifting back of the run after it (no
/// tombstones), read the bucket array alone, where each reached into the
/// entries, a cache miss apiece once state outgrows the cache.
struct KeyIndex<Value> {
    struct Entry {
        var key: JoinKey
        var hash: UInt64
        var value: Value
    }

    private var entries: [Entry] = []
    private var freeEntries: [Int] = []
    /// `hash & 0xFFFF_FFFF` in the high half, entry number + 1 in the low half; 0: empty.
    private var buckets: [UInt64]
    private let seed: UInt64
    private(set) var count = 0

    init(seed: UInt64 = .random(in: .min ... .max)) {
        self.seed = seed
        buckets = Array(repeating: 0, count: 16)
    }

    /// The entry of `key`, added with `value` if the key is not there.
    @inline(__always)
    mutating func entry(for key: JoinKey, default value: @autoclosure () -> Value) -> Int {
        let hash = key.hash(seed: seed)
        let tag = Self.tag(hash)
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = buckets[bucket]
            if stored == 0 { break }
            if stored & Self.tagMask == tag {
                let candidate = Int(truncatingIfNeeded: stored & Self.entryMask) - 1
                if entries[candidate].key == key { return candidate }
            }
            bucket = (bucket + 1) & mask
        }
        let entry: Int
        if let reused = freeEntries.popLast() {
            entries[reused] = Entry(key: key, hash: hash, value: value())
            entry = reused
        } else {
            entry = entries.count
            entries.append(Entry(key: key, hash: hash, value: value()))
        }
        buckets[bucket] = tag | UInt64(entry + 1)
        count += 1
        if count * 2 > buckets.count { rehash(capacity: buckets.count * 2) }
        return entry
    }

    /// The value of a live entry, read or changed in place.
    subscript(entry: Int) -> Value {
        get { entries[entry].value }
        _modify { yield &entries[entry].value }
    }

    /// The key of a live entry.
    func key(_ entry: Int) -> JoinKey { entries[entry].key }

    /// Removes a live entry; its number may be reused by a later key.
    mutating func remove(entry: Int) {
        let mask = buckets.count - 1
        var hole = Int(truncatingIfNeeded: entries[entry].hash) & mask
        while buckets[hole] & Self.entryMask != UInt64(entry + 1) { hole = (hole + 1) & mask }
        // Shift back each following entry that may sit in the hole: one whose home is not cyclically in (hole, next].
        var next = hole
        while true {
            next = (next + 1) & mask
            let stored = buckets[next]
            if stored == 0 { break }
            let home = Self.home(stored, mask)
            let stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if !stays {
                buckets[hole] = buckets[next]
                hole = next
            }
        }
        buckets[hole] = 0
        // An empty inline key in its place drops a long key's bytes now.
        entries[entry].key = JoinKey(UnsafeRawBufferPointer(start: nil, count: 0))
        freeEntries.append(entry)
        count -= 1
    }

    private static var tagMask: UInt64 { 0xFFFF_FFFF_0000_0000 }
    private static var entryMask: UInt64 { 0xFFFF_FFFF }

    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt64 { hash << 32 }

    /// A stored bucket's home: its hash's low bits, which the tag keeps (buckets number at most 2^31).
    @inline(__always)
    private static func home(_ stored: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: stored >> 32) & mask }

    private mutating func rehash(capacity: Int) {
        var fresh = [UInt64](repeating: 0, count: capacity)
        let mask = capacity - 1
        for stored in buckets where stored != 0 {
            var bucket = Self.home(stored, mask)
            while fresh[bucket] != 0 { bucket = (bucket + 1) & mask }
            fresh[bucket] = stored
        }
        buckets = fresh
    }
}
