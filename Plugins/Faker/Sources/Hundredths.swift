import SluiceSDK

/// A reading rounded to hundredths exactly as `Fake.round(x, 2)` rounds it
/// (half away from zero), with its digits kept for writing the text.
///
/// Rounded by truncating and comparing the remainder, which is exact below
/// 2^52: libm's `round` cost a call per reading.
struct Hundredths {
    /// `(x * 100).rounded() / 100`, bit for bit (a negative zero stays negative).
    let value: Double
    /// `|value| × 100`, valid when `small`.
    let units: UInt64
    /// Below 10^15 hundredths: the text is written from `units`; above, `DoubleText` writes it.
    let small: Bool

    @inline(__always)
    init(_ x: Double) {
        let t = x * 100
        guard t.magnitude < 1e15 else {
            value = t.rounded() / 100
            units = 0
            small = false
            return
        }
        var i = Int64(t)
        let rest = t - Double(i)
        if rest >= 0.5 { i += 1 } else if rest <= -0.5 { i -= 1 }
        units = i.magnitude
        let m = Double(units) / 100
        value = t.sign == .minus ? -m : m
        small = true
    }

    /// Writes `value.description` ("12.5", "-0.07", "3.0") at `p`; returns the byte count.
    /// `value` is the nearest double to units / 100, so that decimal with its
    /// trailing zeros dropped (one kept) is the shortest text that reads back as it.
    @inline(__always)
    func write(at p: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        if value.sign == .minus {
            p[0] = UInt8(ascii: "-")
            n = 1
        }
        n += DecimalDigits.write(units / 100, into: p + n)
        let fraction = Int(units % 100)
        p[n] = UInt8(ascii: ".")
        if fraction % 10 != 0 {
            DecimalDigits.pair(fraction, at: p + n + 1)
            return n + 3
        }
        p[n + 1] = UInt8(truncatingIfNeeded: 48 &+ fraction / 10)
        return n + 2
    }
}
