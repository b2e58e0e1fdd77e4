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
    /// at `out`, which has room for 24 bytes (up to 24 are stored, past the
    /// text too), and returns how many bytes the text takes; nil (something
    /// may be written) unless `|d| = m / 10^k` with the fewest decimals k
    /// (0 … 4), that decimal reads back as `d` and `|d|·10^k` is below 10^15.
    /// Then no shorter decimal reads back as `d` (15 digits name one double
    /// at most), and `description` writes it in positional notation, which
    /// it does from 10^-4 up to 2^53.
    ///
    /// No division by a power of ten per decimal count tried (a `divsd`
    /// each, the slowest instruction of the write path): the value is scaled
    /// once to ten-thousandths, the decimal found there is checked exactly
    /// with integers, and the fraction's trailing zeros give the count.
    @inline(__always)
    static func writeShort(_ d: Double, negative: Bool, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        let a = d.magnitude
        // Readings mostly lie here, where the check fits in 64 bits; false for NaN too.
        guard a >= 0x1p-11, a < 1e11 else { return writeOutside(a, negative: negative, out: out) }
        guard let m = decimal(a, scale: 10000, in: Int64.self) else { return nil }
        let whole = m / 10000
        return fixed(whole, fraction: m &- whole &* 10000, negative, out)
    }

    /// `writeShort` for the rest of its range: zero, from 10^-4 up to 2^-11,
    /// and from 10^11 up to 10^15, where fewer decimals keep `|d|·10^k` below
    /// 10^15 (none from 10^14: there only whole numbers). Out of line: rare.
    @inline(never)
    static func writeOutside(_ a: Double, negative: Bool, out: UnsafeMutablePointer<UInt8>) -> Int? {
        guard a < 1e15, a >= 1e-4 || a == 0 else { return nil }
        let integer = Int64(a)
        if Double(integer) == a { return fixed(UInt64(integer), fraction: 0, negative, out) }
        let scale: UInt64 = a < 1e11 ? 10000 : a < 1e12 ? 1000 : a < 1e13 ? 100 : a < 1e14 ? 10 : 1
        guard scale > 1, let m = decimal(a, scale: scale, in: Int128.self) else { return nil }
        let whole = m / scale
        return fixed(whole, fraction: (m &- whole &* scale) &* (10000 / scale), negative, out)
    }

    /// `m` when the decimal `m / scale` (`scale` a power of ten from 10 to
    /// 10^4, `a·scale` below 10^15, `a` at least 10^-4) reads back as `a`;
    /// nil when none does. `T` holds the check's difference: 64 bits suffice
    /// from 2^-11 up (there s ≤ 63; see below), the rare path takes 128.
    ///
    /// The only candidate is `a·scale` rounded: a decimal that reads back as
    /// `a` is within `a`·2^-53 of it, far less than the half that rounding
    /// and the product's own error leave. It reads back as `a = M·2^-s` when
    /// it lies within half a unit in the last place: |M·scale − m·2^s| below
    /// scale/2, in integers. The difference is below 2^s in magnitude, so its
    /// low 64 bits hold it while s ≤ 63; and it is a multiple of 2^k for
    /// scale = 10^k (s ≥ k here), so it never equals the bound: no ties. Below
    /// a power of two the double before is nearer (a quarter unit), but a
    /// power of two 2^e is a decimal of k places itself or lies at least
    /// 2^(e+k)/10^k from every one, far outside either bound.
    @inline(__always)
    static func decimal<T: FixedWidthInteger & SignedInteger>(_ a: Double, scale: UInt64, in _: T.Type) -> UInt64? {
        // Below 2^52, adding 2^52 leaves units in the last place: the sum's low bits are
        // the product rounded to an integer, with no conversion to check for overflow.
        let m = (a * Double(scale) + 0x1p52).bitPattern &- (0x1p52 as Double).bitPattern
        let bits = a.bitPattern
        let significand = bits & (1 << 52 - 1) | 1 << 52
        let s = 1075 &- Int(truncatingIfNeeded: bits >> 52)
        let difference = T(truncatingIfNeeded: significand) &* T(truncatingIfNeeded: scale) &- T(truncatingIfNeeded: m) &<< T(truncatingIfNeeded: s)
        let half = T(truncatingIfNeeded: scale / 2)
        return difference > -half && difference < half ? m : nil
    }

    /// "[-]whole.fraction" (`fraction` in ten-thousandths, below 10^4; its
    /// trailing zeros dropped, but one digit kept, as `description` writes
    /// it) at `out`; returns how many bytes. Stores eight bytes from the
    /// point: up to 24 bytes for a whole part below 10^15.
    @inline(__always)
    private static func fixed(_ whole: UInt64, fraction: UInt64, _ negative: Bool, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        out.pointee = UInt8(ascii: "-")
        var p = negative ? out + 1 : out
        if whole < 10 {
            p.pointee = UInt8(truncatingIfNeeded: 48 &+ whole)
            p += 1
        } else if whole < 100 {
            DecimalDigits.pair(Int(truncatingIfNeeded: whole), at: p)
            p += 2
        } else {
            p += DecimalDigits.write(whole, into: p)
        }
        // Constant divisor: a multiply.
        let high = fraction / 100
        let digits = UInt32(UInt16(littleEndian: DecimalDigits.pairWord(Int(truncatingIfNeeded: high))))
            | UInt32(UInt16(littleEndian: DecimalDigits.pairWord(Int(truncatingIfNeeded: fraction &- high &* 100)))) &<< 16
        UnsafeMutableRawPointer(p).storeBytes(of: (UInt64(digits) &<< 8 | UInt64(UInt8(ascii: "."))).littleEndian, as: UInt64.self)
        // The last digit is the word's highest byte: zeros at the end are zero bytes at the top.
        let zeros = (digits ^ 0x3030_3030).leadingZeroBitCount &>> 3
        return out.distance(to: p) &+ 1 &+ max(4 &- zeros, 1)
    }
}
