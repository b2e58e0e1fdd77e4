/// A `Double` as the text `description` gives it (the shortest that reads
/// back as the same value), appended without making a `String` for the
/// common case: a value with at most four decimals, such as a reading
/// rounded to hundredths.
public enum DoubleText {
    /// 10^0 … 10^4, exact as doubles.
    @usableFromInline static let scales: (Double, Double, Double, Double, Double) = (1, 10, 100, 1000, 10000)

    /// Appends exactly the UTF-8 of `d.description`.
    public static func append(_ d: Double, to out: inout [UInt8]) {
        if let (digits, decimals) = shortDecimal(d) {
            appendFixed(digits, decimals: decimals, negative: d.sign == .minus, to: &out)
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
        return withUnsafeBytes(of: scales) { raw -> (UInt64, Int)? in
            for k in 0 ... 4 {
                let scale = raw.load(fromByteOffset: k * 8, as: Double.self)
                let m = (a * scale).rounded()
                // Division is correctly rounded and `scale` exact: equality means the decimal m / 10^k reads back as `a`.
                if m < 1e15, m / scale == a { return (UInt64(m), k) }
            }
            return nil
        }
    }

    /// As `appendFixed`, at `out` (room for 24 bytes); returns how many bytes.
    static func writeFixed(_ digits: UInt64, decimals: Int, negative: Bool, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = out
        if negative {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        var scale: UInt64 = 1
        for _ in 0 ..< decimals { scale *= 10 }
        p += DecimalDigits.write(digits / scale, into: p)
        p.pointee = UInt8(ascii: ".")
        p += 1
        if decimals == 0 {
            p.pointee = UInt8(ascii: "0")
            return out.distance(to: p + 1)
        }
        var fraction = digits % scale
        for i in stride(from: decimals - 1, through: 0, by: -1) {
            p[i] = UInt8(truncatingIfNeeded: 48 &+ fraction % 10)
            fraction /= 10
        }
        return out.distance(to: p + decimals)
    }

    /// "[-]int.frac", at least one fractional digit, as `description` writes it.
    static func appendFixed(_ digits: UInt64, decimals: Int, negative: Bool, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var i = buffer.count
            var rest = digits
            if decimals == 0 {
                i -= 2
                buffer[i] = UInt8(ascii: ".")
                buffer[i + 1] = UInt8(ascii: "0")
            } else {
                for _ in 0 ..< decimals {
                    i -= 1
                    buffer[i] = UInt8(truncatingIfNeeded: 48 &+ rest % 10)
                    rest /= 10
                }
                i -= 1
                buffer[i] = UInt8(ascii: ".")
            }
            repeat {
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: 48 &+ rest % 10)
                rest /= 10
            } while rest > 0
            if negative {
                i -= 1
                buffer[i] = UInt8(ascii: "-")
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i...]))
        }
    }
}
