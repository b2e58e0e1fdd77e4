extension ISO8601 {
    /// The "YYYY-MM-DD" of the last day written: records written one after
    /// another are mostly of the same day, and the calendar arithmetic cost
    /// more than the rest of the date.
    struct Day {
        /// Days since 1970-01-01, or `Int64.min` before the first date.
        var number = Int64.min
        /// The ten bytes of its "YYYY-MM-DD".
        var text: (UInt64, UInt16) = (0, 0)
    }

    /// The 24 bytes of "2013-08-30T08:00:00.000Z" at `out`, or nil (nothing
    /// written) for a year outside 0 … 9999; the date copied from `day` when
    /// it is that day's, and `day` left holding it otherwise.
    @inline(__always)
    static func write(milliseconds ms: Int64, into out: UnsafeMutablePointer<UInt8>, day: inout Day) -> Int? {
        let (days, msOfDay) = floorDivMod(ms, 86_400_000)
        if days != day.number {
            guard let text = dateText(days) else { return nil }
            day = Day(number: days, text: text)
        }
        let raw = UnsafeMutableRawPointer(out)
        raw.storeBytes(of: day.text.0, as: UInt64.self)
        raw.storeBytes(of: day.text.1, toByteOffset: 8, as: UInt16.self)
        let s = Int(truncatingIfNeeded: msOfDay / 1000), frac = Int(truncatingIfNeeded: msOfDay % 1000)
        out[10] = UInt8(ascii: "T")
        DecimalDigits.pair(s / 3600, at: out + 11)
        out[13] = UInt8(ascii: ":")
        DecimalDigits.pair(s / 60 % 60, at: out + 14)
        out[16] = UInt8(ascii: ":")
        DecimalDigits.pair(s % 60, at: out + 17)
        out[19] = UInt8(ascii: ".")
        out[20] = UInt8(truncatingIfNeeded: 48 &+ frac / 100)
        DecimalDigits.pair(frac % 100, at: out + 21)
        out[23] = UInt8(ascii: "Z")
        return 24
    }

    /// The "YYYY-MM-DD" of a day count, nil for a year outside 0 … 9999.
    @inline(never)
    private static func dateText(_ days: Int64) -> (UInt64, UInt16)? {
        let (y, m, d) = Civil.date(fromDays: days)
        guard y >= 0, y <= 9999 else { return nil }
        var text: (UInt64, UInt16) = (0, 0)
        withUnsafeMutableBytes(of: &text) { t in
            let p = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
            DecimalDigits.pair(Int(truncatingIfNeeded: y / 100), at: p)
            DecimalDigits.pair(Int(truncatingIfNeeded: y % 100), at: p + 2)
            p[4] = UInt8(ascii: "-")
            DecimalDigits.pair(Int(truncatingIfNeeded: m), at: p + 5)
            p[7] = UInt8(ascii: "-")
            DecimalDigits.pair(Int(truncatingIfNeeded: d), at: p + 8)
        }
        return text
    }
}
