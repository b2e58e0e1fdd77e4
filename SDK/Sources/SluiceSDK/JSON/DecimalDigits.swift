/// Decimal digits of unsigned integers written through a pointer, two at a
/// time from a table of "00" … "99": a division by 100 per pair instead of
/// a division by 10 per digit. Public and inlinable for plugins that write
/// digits on their hot path (faker's readings).
public enum DecimalDigits {
    /// "000102…99": the two digits of `n` at `2 * n`. The bytes of a string
    /// literal are a constant, read without the lazy initialisation check a
    /// `static let` table pays on every access.
    @inlinable @inline(__always)
    static var pairs: UnsafeRawPointer {
        UnsafeRawPointer(("00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899" as StaticString).utf8Start)
    }

    /// How many digits `v` has (1 for 0).
    @inlinable @inline(__always)
    public static func count(_ v: UInt64) -> Int {
        var n = 1
        var rest = v
        while rest >= 100 {
            rest /= 100
            n += 2
        }
        return rest >= 10 ? n + 1 : n
    }

    /// Writes `v` (up to 20 digits) at `out`, left-padded with zeros to
    /// `minimumWidth` digits; returns how many bytes.
    @inlinable @inline(__always)
    public static func write(_ v: UInt64, minimumWidth: Int = 1, into out: UnsafeMutablePointer<UInt8>) -> Int {
        let n = max(count(v), minimumWidth)
        write(v, width: n, into: out)
        return n
    }

    /// Writes the last `width` digits of `v` at `out`, with leading zeros when `v` has fewer.
    @inlinable @inline(__always)
    public static func write(_ v: UInt64, width: Int, into out: UnsafeMutablePointer<UInt8>) {
        var rest = v
        var i = width
        while i >= 2 {
            let q = rest / 100
            pair(Int(truncatingIfNeeded: rest &- q &* 100), at: out + i - 2)
            rest = q
            i -= 2
        }
        if i == 1 { out.pointee = UInt8(truncatingIfNeeded: 48 &+ rest % 10) }
    }

    /// The two digits of `v` (0 … 99) at `out`, as one 16-bit store.
    @inlinable @inline(__always)
    public static func pair(_ v: Int, at out: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(out).storeBytes(of: pairWord(v), as: UInt16.self)
    }

    /// The two digits of `v` (0 … 99) as they lie in memory: `UInt16(littleEndian:)`
    /// of it has the first digit in its low byte, for words built of several pairs.
    @inlinable @inline(__always)
    public static func pairWord(_ v: Int) -> UInt16 {
        pairs.loadUnaligned(fromByteOffset: v &* 2, as: UInt16.self)
    }
}
