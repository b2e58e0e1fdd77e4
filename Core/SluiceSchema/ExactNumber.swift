/// A JSON number as read: integers stay integers, so comparisons with
/// doubles are exact (2^63 - 1 is not rounded to 2^63 on the way).
enum ExactNumber: Equatable, Sendable {
    case int(Int64)
    case double(Double)
    /// An integer outside Int64 (a BSON decimal128 from a JSON literal too
    /// big for 64 bits), kept exact rather than rounded to a double.
    case wide(Int128)

    /// `.int` when `i` fits in 64 bits, else `.wide`.
    init(_ i: Int128) {
        if let small = Int64(exactly: i) { self = .int(small) } else { self = .wide(i) }
    }

    /// Negative, zero or positive as `a` is below, equal to or above `b`.
    @inline(__always)
    static func compare(_ a: ExactNumber, _ b: ExactNumber) -> Int {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y ? -1 : x == y ? 0 : 1
        case let (.double(x), .double(y)): return x < y ? -1 : x == y ? 0 : 1
        case let (.int(x), .double(y)): return compare(Int128(x), y)
        case let (.double(x), .int(y)): return -compare(Int128(y), x)
        case let (.wide(x), .wide(y)): return x < y ? -1 : x == y ? 0 : 1
        case let (.wide(x), .int(y)): return x < Int128(y) ? -1 : 1
        case let (.int(x), .wide(y)): return Int128(x) < y ? -1 : 1
        case let (.wide(x), .double(y)): return compare(x, y)
        case let (.double(x), .wide(y)): return -compare(y, x)
        }
    }

    /// Compares an integer with a double without rounding either.
    @inline(__always)
    private static func compare(_ i: Int128, _ d: Double) -> Int {
        // Below 2^53 the integer converts exactly: one float compare.
        if i.magnitude < 1 << 53 {
            let x = Double(Int64(truncatingIfNeeded: i))
            return x < d ? -1 : x == d ? 0 : 1
        }
        if d.isNaN { return 1 }
        if d >= 0x1p127 { return -1 }
        if d < -0x1p127 { return 1 }
        let floor = d.rounded(.down)
        let whole = Int128(floor)
        if i != whole { return i < whole ? -1 : 1 }
        return d > floor ? -1 : 0
    }

    /// The value as a double when that is exact (an integer below 2^53 in
    /// magnitude, or a double that is not NaN), else nil.
    @inline(__always)
    var exactDouble: Double? {
        switch self {
        case let .int(i): return i.magnitude < 1 << 53 ? Double(i) : nil
        case let .double(d): return d.isNaN ? nil : d
        case .wide: return nil
        }
    }

    var description: String {
        switch self {
        case let .int(i): return String(i)
        case let .wide(i): return String(i)
        case let .double(d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        }
    }

    /// The value as digits × 10^exponent, from the shortest decimal that
    /// reads back as the same double (what the JSON text most likely said).
    var decimal: (digits: UInt128, exponent: Int) {
        switch self {
        case let .int(i): return (UInt128(i.magnitude), 0)
        case let .wide(i): return (i.magnitude, 0)
        case let .double(d):
            let (digits, exponent) = Self.decimal(d)
            return (UInt128(digits), exponent)
        }
    }

    static func decimal(_ d: Double) -> (digits: UInt64, exponent: Int) {
        let text = String(d.magnitude)
        var digits: UInt64 = 0
        var exponent = 0
        var afterPoint = false
        var rest = Substring(text)
        while let c = rest.first, c != "e", c != "E" {
            rest.removeFirst()
            if c == "." { afterPoint = true; continue }
            guard let v = c.wholeNumberValue else { continue }
            digits = digits * 10 + UInt64(v)
            if afterPoint { exponent -= 1 }
        }
        if !rest.isEmpty { exponent += Int(rest.dropFirst().replacingOccurrencesOfPlus) ?? 0 }
        while digits != 0, digits % 10 == 0 { digits /= 10; exponent += 1 }
        return (digits, exponent)
    }
}

/// A `multipleOf` divisor, prepared at compile time so the check never
/// divides in floating point (which overflows: 1e308 / 0.123456789 is inf).
enum Divisor: Sendable {
    /// A whole number.
    case integer(Int64)
    /// `digits` × 10^`exponent`, as the schema wrote it.
    case decimal(digits: UInt64, exponent: Int)

    init?(_ n: ExactNumber) {
        switch n {
        case let .int(i):
            guard i > 0 else { return nil }
            self = .integer(i)
        case let .double(d):
            guard d > 0, d.isFinite else { return nil }
            if d.rounded() == d, d < 9.2e18 {
                self = .integer(Int64(d))
            } else {
                let (digits, exponent) = ExactNumber.decimal(d)
                self = .decimal(digits: digits, exponent: exponent)
            }
        case .wide:
            // A schema is JSON, whose integers arrive within 64 bits (or as doubles).
            return nil
        }
    }

    /// Whether `value` divided by this divisor is a whole number, in decimal arithmetic.
    func divides(_ value: ExactNumber) -> Bool {
        switch (self, value) {
        case let (.integer(m), .int(i)):
            return i % m == 0
        case let (.integer(m), .wide(i)):
            return i % Int128(m) == 0
        case let (.integer(m), .double(d)):
            guard d.rounded() == d, d.isFinite else { return false }
            // Below 2^53 a whole double is the integer its text wrote; above, its
            // binary value is not (1e300 is not 10^300), so read it as decimal.
            if abs(d) < 9_007_199_254_740_992 { return Int64(d) % m == 0 }
            return Self.decimalDivides(value.decimal, digits: UInt64(m), exponent: 0)
        case let (.decimal(digits, exponent), _):
            if case let .double(d) = value, !d.isFinite { return false }
            return Self.decimalDivides(value.decimal, digits: digits, exponent: exponent)
        }
    }

    /// D × 10^E is a multiple of p × 10^q  ⇔  D × 10^(E−q) ≡ 0 (mod p), or p × 10^(q−E) divides D.
    private static func decimalDivides(_ value: (digits: UInt128, exponent: Int), digits p: UInt64, exponent q: Int) -> Bool {
        let d = value.digits
        if d == 0 { return true }
        let k = value.exponent - q
        if k >= 0 {
            return mulMod(UInt64(d % UInt128(p)), powMod(10, k, p), p) == 0
        }
        var m = UInt128(p)
        for _ in 0 ..< -k {
            let (next, overflow) = m.multipliedReportingOverflow(by: 10)
            if overflow { return false }
            m = next
        }
        return d % m == 0
    }

    private static func mulMod(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return m.dividingFullWidth((product.high, product.low)).remainder
    }

    private static func powMod(_ base: UInt64, _ exponent: Int, _ m: UInt64) -> UInt64 {
        var result: UInt64 = 1 % m
        var b = base % m
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }
}

private extension Substring {
    var replacingOccurrencesOfPlus: Substring { first == "+" ? dropFirst() : self }
}
