/// A leaf subschema (type, numbers, string lengths) as the walk of a plain
/// object checks a member against it in place: which BSON types it may
/// accept without a closer look, its bounds as doubles, and its lengths in
/// UTF-8 bytes that settle them. It only ever proves a value valid; a
/// value it cannot prove so goes to the full check, which decides and
/// says why.
struct QuickLeaf: Sendable {
    /// Which of double, string, int32 and int64 the type keyword allows (all when absent).
    var double = true, string = true, integer = true
    /// The bounds, the exclusive ones folded in: a double is above `e`
    /// exactly when it is at least `e.nextUp`.
    var low = -Double.infinity, high = Double.infinity
    /// A string of at least `minBytes` and at most `maxBytes` bytes has
    /// enough code points and not too many (n bytes hold n/4 to n of them).
    var minBytes = Int.min, maxBytes = Int.max
    /// Whether a BSON date or ObjectId (strings to JSON Schema, with no
    /// stored text to measure) is valid: a string is, and no length is asked.
    var textless = true

    /// The leaf `op`, or nil when it has keywords the quick check does not
    /// know (enum, const, multipleOf, pattern, format, bounds no double holds exactly).
    init?(_ op: Op, _ numbers: Program.NumberChecks?) {
        let f = op.flags
        guard f.contains(.leaf), f.isDisjoint(with: [.enumeration, .constant]) else { return nil }
        if f.contains(.type) {
            let mask = TypeMask(rawValue: op.typeMask)
            double = mask.contains(.number)
            integer = !mask.isDisjoint(with: .numeric)
            string = mask.contains(.string)
        }
        if f.contains(.numbers) {
            // Bounds from JSON are finite; an infinite exclusive one would not fold.
            guard let c = numbers, c.boundsAreDoubles, c.multipleOf == nil, c.exclusiveLow != .infinity,
                  c.exclusiveHigh != -.infinity else { return nil }
            low = max(c.low, c.exclusiveLow.nextUp)
            high = min(c.high, c.exclusiveHigh.nextDown)
        }
        if f.contains(.strings) {
            guard op.pattern < 0, op.format == nil else { return nil }
            if op.minLength >= 0 { minBytes = 4 * Int(op.minLength) - 3 }
            if op.maxLength >= 0 { maxBytes = Int(op.maxLength) }
        }
        textless = string && minBytes == .min && maxBytes == .max
    }

    /// Whether the value of BSON type `type` whose bytes start at `value` is
    /// certainly valid; false means "not proved", never "invalid".
    @inline(__always)
    func proves(_ type: UInt8, _ value: UnsafeRawPointer) -> Bool {
        let d: Double
        switch type {
        case 0x01:
            guard double else { return false }
            d = Double(bitPattern: UInt64(littleEndian: value.loadUnaligned(as: UInt64.self)))
        case 0x10:
            guard integer else { return false }
            d = Double(Int32(littleEndian: value.loadUnaligned(as: Int32.self)))
        case 0x12:
            let i = Int64(littleEndian: value.loadUnaligned(as: Int64.self))
            // Beyond 2^53 the double is rounded and could pass a bound the integer does not.
            guard integer, i.magnitude < 1 << 53 else { return false }
            d = Double(i)
        case 0x02:
            let n = Int(Int32(littleEndian: value.loadUnaligned(as: Int32.self))) - 1
            return string && n >= minBytes && n <= maxBytes
        case 0x07, 0x09:
            return textless
        default:
            return false
        }
        // NaN fails every compare: the full check decides it.
        return d >= low && d <= high
    }
}
