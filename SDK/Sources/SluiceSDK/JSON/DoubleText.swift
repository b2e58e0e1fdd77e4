/// A `Double` as the text `description` gives it (the shortest that reads
/// back as the same value), appended without making a `String` for the
/// common case: a value with at most four decimals, such as a reading
/// rounded to hundredths.
public enum DoubleText {
    /// Appends exactly the UTF-8 of `d.description`.
    public static func append(_ d: Double, to out: inout [UInt8]) {
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { t -> Bool in
            guard let n = writeShort(d, negative: d.sign == .minus, into: t.baseAddress!) else { return false }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: t[..<n]))
            return true
        }
        if written { return }
        var text = d.description
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// Writes `|d|` as `description` does (with a "-" first when `negative`)
    /// at `out`, which has room for 24 bytes, and returns how many bytes;
    /// nil (something may be written) unless `|d| = m / 10^k` with the fewest
    /// decimals k (0 … 4), that decimal reads back as `d` and `|d|·10^k` is below 10^15.
    /// Then no shorter decimal reads back as `d` (15 digits name one double
    /// at most), and `description` writes it in positional notation, which
    /// it does from 10^-4 up to 2^53.
    ///
    /// Each try is a multiply, a conversion each way and a division, the
    /// powers of ten are constants and the digits are written by the
    /// decimals' count: a loop over k with a running scale, a division by a
    /// variable power and a digit count cost about 200 instructions per value.
    @inline(__always)
    static func writeShort(_ d: Double, negative: Bool, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        let a = d.magnitude
        // Also false for NaN and the infinities.
        guard a < 1e15, a >= 1e-4 || a == 0 else { return nil }
        // 10^k is exact as a double for these k, and division is correctly
        // rounded: equality means the decimal m / 10^k reads back as `a`.
        // Rounding by adding 0.5 and truncating, not libm's `round` (a call): a decimal
        // that reads back as `a` lies within a few units in the last place of `a·10^k`,
        // far from the halfway points where the two round differently.
        // An integer truncates to itself; anything else fails the test whichever way it rounds.
        let whole = Int64(a)
        if Double(whole) == a { return fixed(UInt64(whole), 0, negative, out) }
        // Each try stops where a·10^k reaches 10^15: more digits than the argument above covers.
        let x1 = a * 10
        guard x1 < 1e15 else { return nil }
        let m1 = Int64(x1 + 0.5)
        if Double(m1) / 10 == a { return fixed(UInt64(m1), 1, negative, out) }
        let x2 = a * 100
        guard x2 < 1e15 else { return nil }
        let m2 = Int64(x2 + 0.5)
        if Double(m2) / 100 == a { return fixed(UInt64(m2), 2, negative, out) }
        let x3 = a * 1000
        guard x3 < 1e15 else { return nil }
        let m3 = Int64(x3 + 0.5)
        if Double(m3) / 1000 == a { return fixed(UInt64(m3), 3, negative, out) }
        let x4 = a * 10000
        guard x4 < 1e15 else { return nil }
        let m4 = Int64(x4 + 0.5)
        if Double(m4) / 10000 == a { return fixed(UInt64(m4), 4, negative, out) }
        return nil
    }

    /// "[-]int.frac" of `m / 10^k` (k 0 … 4, at least one fractional digit,
    /// as `description` writes it) at `out`; returns how many bytes.
    @inline(__always)
    private static func fixed(_ m: UInt64, _ k: Int, _ negative: Bool, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        out.pointee = UInt8(ascii: "-")
        var p = negative ? out + 1 : out
        // Constant divisors per case: the compiler turns each into a multiply.
        let whole: UInt64
        switch k {
        case 0: whole = m
        case 1: whole = m / 10
        case 2: whole = m / 100
        case 3: whole = m / 1000
        default: whole = m / 10000
        }
        if whole < 10 {
            p.pointee = UInt8(truncatingIfNeeded: 48 &+ whole)
            p += 1
        } else if whole < 100 {
            DecimalDigits.pair(Int(truncatingIfNeeded: whole), at: p)
            p += 2
        } else {
            p += DecimalDigits.write(whole, into: p)
        }
        p.pointee = UInt8(ascii: ".")
        let f = Int(truncatingIfNeeded: m &- whole &* (k == 0 ? 1 : k == 1 ? 10 : k == 2 ? 100 : k == 3 ? 1000 : 10000))
        switch k {
        case 0:
            p[1] = UInt8(ascii: "0")
            return out.distance(to: p + 2)
        case 1:
            p[1] = UInt8(truncatingIfNeeded: 48 &+ f)
            return out.distance(to: p + 2)
        case 2:
            DecimalDigits.pair(f, at: p + 1)
            return out.distance(to: p + 3)
        case 3:
            p[1] = UInt8(truncatingIfNeeded: 48 &+ f / 100)
            DecimalDigits.pair(f % 100, at: p + 2)
            return out.distance(to: p + 4)
        default:
            DecimalDigits.pair(f / 100, at: p + 1)
            DecimalDigits.pair(f % 100, at: p + 3)
            return out.distance(to: p + 5)
        }
    }
}
