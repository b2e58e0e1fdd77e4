/// One position of a plain object's members as the last object had it: the
/// key (`LearnedKey`), what that name asks (its subschema, its required bit,
/// the subschema's quick leaf) and how a value of the type it had is proved
/// valid (`QuickLeaf.Proof`). Records of a stream mostly repeat their keys
/// and types in the same order: such a member is checked with no lookup,
/// and its value with the one compare its type and leaf need.
struct LearnedMember {
    /// Members learned per plain object node.
    static let positions = 32
    /// Slots per plain object node: the positions; one that nothing is
    /// learned into (`stop`), so the walk of members as learned stops there
    /// with no count of its own; then one members past the positions are
    /// learned into afresh.
    static let slots = positions + 2

    var key = LearnedKey()
    /// Where the value starts, from the member's type byte: the key's
    /// length (also of a key `key` could not learn) and two.
    var valueOffset = 0
    /// The subschema the value is checked against: the name's under
    /// `properties`, or else `additionalProperties` (-1: none, any value is valid).
    var sub: Int32 = -1
    /// `sub`'s quick leaf (an index into the program's `quickLeaves`), or -1.
    var quick: Int32 = -1
    /// The name's bit among the required names (0: none).
    var requiredBit: UInt64 = 0
    /// The BSON type `proof` was chosen for (0, which names no type, until one is).
    private(set) var type: UInt8 = 0
    private(set) var proof = QuickLeaf.Proof.never

    /// The slot after the positions of an object with `count` required
    /// names (at most 64 in a plain object): nothing is learned into it, so
    /// it never matches, and its `requiredBit` holds all the names' bits,
    /// what the walk's `seen` comes to when every one is there.
    static func stop(required count: Int) -> LearnedMember {
        var m = LearnedMember()
        m.requiredBit = count >= 64 ? ~0 : (1 << UInt64(count)) - 1
        return m
    }

    /// Chooses the proof for values of BSON type `type`. With no subschema
    /// any value is valid: the leaf without keywords proves the common
    /// types, and the rest take the walk's other way, which checks nothing.
    mutating func prove(_ type: UInt8, _ quickLeaves: UnsafeMutablePointer<QuickLeaf>) {
        self.type = type
        proof = sub < 0 ? QuickLeaf().proof(for: type) : quick >= 0 ? quickLeaves[Int(quick)].proof(for: type) : .never
    }
}
