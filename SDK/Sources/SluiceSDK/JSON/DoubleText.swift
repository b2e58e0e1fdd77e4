/// A `Double` as the text `description` gives it (the shortest that reads
/// back as the same value), appended without making a `String` for the
/// common case: a value with at most four decimals, such as a reading
/// rounded to hundredths.
public enum DoubleText {
    /// Appends exactly the UTF-8 of `d.description`.
    public static func append(_ d: Double, to out: inout [UInt8]) {
        if let (digits, decimals) = shortDecimal(d) {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { t in
                let n = writeFixed(digits, decimals: decimals, negative: d.sign == .minus, into: t.baseAddress!)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: t[..<n]))
            }
        } else {
            var text = d.description
            text.withUTF8 { out.append(contentsOf: $0) }
        }
    }

    /// `|d| = digits / 10^decimals` with the fewest decimals (0 … 4), when that
    /// decimal reads back as `d` and has at most 15 significant digits (so no
    /// shorter decimal reads back as `d`, and `description` writes it in
    /// positional notation, which it does from 10^-4 up to 2^53).
    @inline(__always)
    static func shortDecimal(_ d: Double) -> (UInt64, Int)? {
        let a = d.magnitude
        guard a < 1e15, a >= 1e-4 || a == 0 else { return nil }
        // 10^k is exact as a double for these k, and division is correctly
        // rounded: equality means the decimal m / 10^k reads back as `a`.
        var scale = 1.0
        for k in 0 ... 4 {
            let x = a * scale
            guard x < 1e15 else { return nil }
            // The nearest integer without libm's `round` (a call per try): a decimal that
            // reads back as `a` lies within a few units in the last place of `x`, far
            // from the halfway points where adding 0.5 and truncating rounds another way.
            let m = UInt64(x + 0.5)
            if m < 1_000_000_000_000_000, Double(m) / scale == a { return (m, k) }
            scale *= 10
        }
        return nil
    }

    /// "[-]int.frac" of `digits / 10^decimals` (at least one fractional digit,
    /// as `description` writes it) at `out`, which has room for 24 bytes;
    /// returns how many bytes.
    @inline(__always)
    static func writeFixed(_ digits: UInt64, decimals: Int, negative: Bool, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = out
        if negative {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        var scale: UInt64 = 1
        for _ in 0 ..< decimals { scale &*= 10 }
        let whole = digits / scale
        p += DecimalDigits.write(whole, into: p)
        p.pointee = UInt8(ascii: ".")
        if decimals == 0 {
            p[1] = UInt8(ascii: "0")
            return out.distance(to: p + 2)
        }
        DecimalDigits.write(digits &- whole &* scale, width: decimals, into: p + 1)
        return out.distance(to: p + 1 + decimals)
    }
}
