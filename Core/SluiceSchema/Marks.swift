/// The annotations `unevaluatedProperties` and `unevaluatedItems` read: for
/// one instance, which of its members (or items) the subschemas applied to it
/// in place (through `$ref`, `allOf`, `anyOf`, `if`… that succeeded)
/// evaluated, by position, as bits. The sets live on one stack of words
/// reused from record to record: a set is a handle (its offset), taken for
/// the length of a subschema's check and given back on its way out, so
/// checking allocates nothing once the stack has grown to the schema's depth.
/// Only a node with one of the two keywords takes a set.
struct Marks {
    /// Per set: its length in words, whether everything was evaluated, the
    /// instance's member count once a walk over it has counted them (else
    /// all ones), then the bits.
    private var words: UnsafeMutablePointer<UInt64>
    private var capacity: Int
    /// Where the next set starts; restoring it frees every set taken since.
    var top = 0

    init() {
        capacity = 256
        words = .allocate(capacity: capacity)
    }

    func deallocate() { words.deallocate() }

    /// A new empty set for an instance of at most `bound` members.
    mutating func push(bound: Int) -> Int {
        let n = bound / 64 + 1
        if top + 3 + n > capacity {
            let grown = UnsafeMutablePointer<UInt64>.allocate(capacity: max(capacity * 2, top + 3 + n))
            grown.update(from: words, count: top)
            words.deallocate()
            words = grown
            capacity = max(capacity * 2, top + 3 + n)
        }
        let h = top
        words[h] = UInt64(n)
        words[h + 1] = 0
        words[h + 2] = ~0
        (words + h + 3).update(repeating: 0, count: n)
        top += 3 + n
        return h
    }

    @inline(__always)
    func add(_ h: Int, _ position: Int) {
        words[h + 3 + position >> 6] |= 1 << UInt64(position & 63)
    }

    /// Notes how many members the instance has (any walk over it may tell).
    @inline(__always)
    func setCount(_ h: Int, _ count: Int) { words[h + 2] = UInt64(count) }

    /// Whether every member is known to be evaluated, without walking the
    /// instance again: its count is known and as many bits are set.
    func coversAll(_ h: Int) -> Bool {
        if words[h + 1] != 0 { return true }
        guard words[h + 2] != ~0 else { return false }
        var set = 0
        for i in 0 ..< Int(words[h]) { set += words[h + 3 + i].nonzeroBitCount }
        return set == Int(words[h + 2])
    }

    func addAll(_ h: Int) { words[h + 1] = 1 }

    @inline(__always)
    func has(_ h: Int, _ position: Int) -> Bool {
        words[h + 1] != 0 || words[h + 3 + position >> 6] & (1 << UInt64(position & 63)) != 0
    }

    /// Takes in what a successful subschema evaluated on the same instance.
    func merge(into h: Int, from other: Int) {
        words[h + 1] |= words[other + 1]
        if words[h + 2] == ~0 { words[h + 2] = words[other + 2] }
        for i in 3 ..< 3 + Int(words[h]) { words[h + i] |= words[other + i] }
    }

    /// Makes `h` hold exactly what `other` holds (same instance).
    func copy(into h: Int, from other: Int) {
        (words + h + 1).update(from: words + other + 1, count: 2 + Int(words[h]))
    }
}
