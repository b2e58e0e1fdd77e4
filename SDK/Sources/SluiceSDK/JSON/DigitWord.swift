/// Eight bytes of a number read as one word (`JSONParser.shortNumber`):
/// where its runs of decimal digits end, and their value. Each byte is
/// tested on its own (no carry or borrow crosses bytes), so a run can
/// start after a '.'; the value is fast_float's eight-digit conversion
/// (pairs, then fours, then the eight, by three multiplications), after
/// moving the digits to the word's top so the bytes below count as leading zeros.
struct DigitWord {
    /// The bytes XORed with "0"s: a digit is 0 … 9, any other byte 10 or more.
    let digits: UInt64
    /// The high bit of each byte that is not a digit.
    let stops: UInt64

    /// `word` as loaded from memory (its first byte lowest on a little-endian machine).
    @inline(__always)
    init(_ word: UInt64) {
        digits = UInt64(littleEndian: word) ^ 0x3030_3030_3030_3030
        // Seven bits plus 0x76 reach the high bit from 10 up, and stay below 0x100.
        stops = (digits | ((digits & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080
    }

    /// How many digits from byte `i` (0 … 7) before another byte; 8 - `i` or more when none.
    @inline(__always)
    func run(from i: Int) -> Int {
        (stops &>> (8 &* i)).trailingZeroBitCount &>> 3
    }

    /// The byte at `i` (0 … 7), as it was in memory.
    @inline(__always)
    func byte(_ i: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: digits &>> (8 &* i)) ^ 0x30
    }

    /// The value of the first `count` bytes' digits (1 … 8 of them).
    @inline(__always)
    func value(_ count: Int) -> UInt64 {
        Self.value(digits, count)
    }

    /// The `integer` digits before the '.' at byte `integer` and the
    /// `fraction` digits after it, as one integer (8 digits at most).
    @inline(__always)
    func value(integer: Int, fraction: Int) -> UInt64 {
        let below = (UInt64(1) &<< (8 &* integer)) &- 1
        return Self.value(digits & below | digits &>> 8 & ~below, integer &+ fraction)
    }

    @inline(__always)
    private static func value(_ digits: UInt64, _ count: Int) -> UInt64 {
        // The digits to the top bytes; the shift counts modulo 64, and `count` is 1 … 8.
        var v = digits &<< (64 &- 8 &* count)
        v = v &* 10 &+ (v &>> 8)
        let twos: UInt64 = 0x0000_00FF_0000_00FF
        v = ((v & twos) &* 0x000F_4240_0000_0064 &+ (v &>> 16 & twos) &* 0x0000_2710_0000_0001) &>> 32
        return v & 0xFFFF_FFFF
    }
}
