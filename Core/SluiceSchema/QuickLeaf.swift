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

    /// A leaf without keywords: every value it knows the type of is valid
    /// (the proofs of a member no subschema checks).
    init() {}

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

    /// How a value of BSON type `type` is proved valid: decided once per
    /// type, so a member whose type stays the same from record to record
    /// (`LearnedMember`) goes straight to the compare its type needs.
    func proof(for type: UInt8) -> Proof {
        switch type {
        case 0x01: return double ? .double(low: low, high: high) : .never
        case 0x10: return integer ? .int32(low: low, high: high) : .never
        case 0x12: return integer ? .int64(low: low, high: high) : .never
        case 0x02: return string ? .string(minBytes: minBytes, maxBytes: maxBytes) : .never
        case 0x07: return textless ? .fixed(12) : .never
        case 0x09: return textless ? .fixed(8) : .never
        default: return .never
        }
    }

    /// What proves a value of one BSON type valid: the bounds of the leaf
    /// for that type, or nothing to check.
    enum Proof {
        /// Not proved: the full check decides.
        case never
        /// Valid whatever its `size` bytes hold (a date or ObjectId where a string of any length is).
        case fixed(Int)
        case double(low: Double, high: Double)
        case int32(low: Double, high: Double)
        case int64(low: Double, high: Double)
        /// A string of `minBytes ... maxBytes` UTF-8 bytes.
        case string(minBytes: Int, maxBytes: Int)

        /// The size of the value whose bytes start at `value` when it is
        /// certainly valid; nil means "not proved", never "invalid".
        @inline(__always)
        func provenSize(_ value: UnsafeRawPointer) -> Int? {
            let d: Double
            switch self {
            case .never:
                return nil
            case let .fixed(size):
                return size
            case let .double(low, high):
                d = Double(bitPattern: UInt64(littleEndian: value.loadUnaligned(as: UInt64.self)))
                // NaN fails every compare: the full check decides it.
                return d >= low && d <= high ? 8 : nil
            case let .int32(low, high):
                d = Double(Int32(littleEndian: value.loadUnaligned(as: Int32.self)))
                return d >= low && d <= high ? 4 : nil
            case let .int64(low, high):
                let i = Int64(littleEndian: value.loadUnaligned(as: Int64.self))
                // Beyond 2^53 the double is rounded and could pass a bound the integer does not.
                guard i.magnitude < 1 << 53 else { return nil }
                d = Double(i)
                return d >= low && d <= high ? 8 : nil
            case let .string(minBytes, maxBytes):
                let n = Int(Int32(littleEndian: value.loadUnaligned(as: Int32.self))) - 1
                return n >= minBytes && n <= maxBytes ? n + 5 : nil
            }
        }
    }
}
