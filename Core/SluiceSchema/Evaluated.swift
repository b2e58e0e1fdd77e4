/// The annotations `unevaluatedProperties` and `unevaluatedItems` read: which
/// members (or items) of one instance the subschemas applied to it in place
/// (through `$ref`, `allOf`, `anyOf`, `if`… that succeeded) evaluated, by
/// their position in the instance, as bits. Only built under a node that has
/// one of the two keywords, so a schema without them pays nothing.
final class Evaluated {
    private struct Bits {
        var all = false
        var words: [UInt64] = []
    }

    /// Behind a pointer: a class's stored `var`s pay a dynamic exclusivity
    /// check per access, and these are touched once per member.
    private let bits = UnsafeMutablePointer<Bits>.allocate(capacity: 1)

    init() { bits.initialize(to: Bits()) }

    deinit {
        bits.deinitialize(count: 1)
        bits.deallocate()
    }

    /// Empty again, keeping its storage for the next instance.
    func reset() {
        bits.pointee.all = false
        bits.pointee.words.removeAll(keepingCapacity: true)
    }

    func add(_ position: Int) {
        if bits.pointee.all { return }
        let word = position >> 6
        if word >= bits.pointee.words.count {
            bits.pointee.words.append(contentsOf: repeatElement(0, count: word - bits.pointee.words.count + 1))
        }
        bits.pointee.words[word] |= 1 << UInt64(position & 63)
    }

    func addAll() { bits.pointee.all = true }

    func has(_ position: Int) -> Bool {
        if bits.pointee.all { return true }
        let word = position >> 6
        return word < bits.pointee.words.count && bits.pointee.words[word] & (1 << UInt64(position & 63)) != 0
    }

    /// Takes in what a successful subschema evaluated.
    func merge(_ other: Evaluated) {
        if bits.pointee.all { return }
        if other.bits.pointee.all { bits.pointee.all = true; return }
        let theirs = other.bits.pointee.words
        if theirs.count > bits.pointee.words.count {
            bits.pointee.words.append(contentsOf: repeatElement(0, count: theirs.count - bits.pointee.words.count))
        }
        for (i, w) in theirs.enumerated() { bits.pointee.words[i] |= w }
    }
}
