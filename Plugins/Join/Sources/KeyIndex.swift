/// The join's map from key to a value (the key's rows), with open
/// addressing and a multiply-fold hash of the key's words: a lookup costs
/// one hash of a few instructions where `Dictionary`'s SipHash cost about
/// two hundred, and a value is reached again by its entry number, which
/// stays put while the key is in the index, with no hash at all (eviction
/// reaches its key's rows that way, through `Link.entry`).
///
/// The hash is seeded per process, so inputs cannot be chosen in advance to
/// collide. Buckets hold entry numbers plus one (0: empty), at most half of
/// them used; removal shifts the following run back instead of leaving
/// tombstones.
struct KeyIndex<Value> {
    struct Entry {
        var key: JoinKey
        var hash: UInt64
        var value: Value
    }

    private var entries: [Entry] = []
    private var freeEntries: [Int] = []
    private var buckets: [UInt32]
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
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = Int(buckets[bucket])
            if stored == 0 { break }
            if entries[stored - 1].hash == hash, entries[stored - 1].key == key { return stored - 1 }
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
        buckets[bucket] = UInt32(entry + 1)
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
        while Int(buckets[hole]) != entry + 1 { hole = (hole + 1) & mask }
        // Shift back each following entry that may sit in the hole: one whose home is not cyclically in (hole, next].
        var next = hole
        while true {
            next = (next + 1) & mask
            let stored = Int(buckets[next])
            if stored == 0 { break }
            let home = Int(truncatingIfNeeded: entries[stored - 1].hash) & mask
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

    private mutating func rehash(capacity: Int) {
        var fresh = [UInt32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for stored in buckets where stored != 0 {
            var bucket = Int(truncatingIfNeeded: entries[Int(stored) - 1].hash) & mask
            while fresh[bucket] != 0 { bucket = (bucket + 1) & mask }
            fresh[bucket] = stored
        }
        buckets = fresh
    }
}
