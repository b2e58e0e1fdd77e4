/// Fast ISO 8601 / RFC 3339 conversion for millisecond UTC timestamps,
/// without Foundation's formatters (which allocate and lock per call).
public enum ISO8601 {
    /// "2013-08-30T08:00:00.000Z".
    public static func format(milliseconds ms: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        append(milliseconds: ms, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends "2013-08-30T08:00:00.000Z" as UTF-8 (what `format` returns, without a `String`).
    public static func append(milliseconds ms: Int64, to out: inout [UInt8]) {
        appendDateTime(milliseconds: ms, to: &out)
        let frac = ISO8601.floorDivMod(ms, 1000).1
        out.append(UInt8(ascii: "."))
        out.append(UInt8(48 + frac / 100))
        out.append(UInt8(48 + frac / 10 % 10))
        out.append(UInt8(48 + frac % 10))
        out.append(UInt8(ascii: "Z"))
    }

    /// Appends "2013-08-30T08:00:00" (whole seconds, no zone) as UTF-8.
    public static func appendDateTime(milliseconds ms: Int64, to out: inout [UInt8]) {
        let (days, msOfDay) = floorDivMod(ms, 86_400_000)
        let (y, m, d) = Civil.date(fromDays: days)
        let secOfDay = msOfDay / 1000
        func two(_ v: Int64) { out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10)) }
        if y < 0 || y > 9999 {
            out.append(contentsOf: Array(String(y).utf8))
        } else {
            two(y / 100); two(y % 100)
        }
        out.append(UInt8(ascii: "-")); two(m)
        out.append(UInt8(ascii: "-")); two(d)
        out.append(UInt8(ascii: "T")); two(secOfDay / 3600)
        out.append(UInt8(ascii: ":")); two(secOfDay / 60 % 60)
        out.append(UInt8(ascii: ":")); two(secOfDay % 60)
    }

    /// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff…]]" with "Z", "±HH:MM",
    /// "±HHMM" or no zone (taken as `defaultOffsetMinutes`); a space may replace "T".
    public static func parse(_ s: String, defaultOffsetMinutes: Int = 0) -> Int64? {
        var s = s
        return s.withUTF8 { parse(UnsafeRawBufferPointer($0), defaultOffsetMinutes: defaultOffsetMinutes) }
    }

    public static func parse(_ b: UnsafeRawBufferPointer, defaultOffsetMinutes: Int = 0) -> Int64? {
        var p = 0
        func digits(_ n: Int) -> Int64? {
            guard p + n <= b.count else { return nil }
            var v: Int64 = 0
            for _ in 0 ..< n {
                let c = b[p]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
                p += 1
            }
            return v
        }
        // A byte, not a `Character`: `asciiValue` walked the character's scalars on every call.
        func expect(_ c: UInt8) -> Bool {
            guard p < b.count, b[p] == c else { return false }
            p += 1
            return true
        }
        guard let y = digits(4), expect(UInt8(ascii: "-")), let mo = digits(2), expect(UInt8(ascii: "-")), let d = digits(2),
              (1 ... 12).contains(mo), d >= 1, d <= Civil.daysInMonth(y, mo) else { return nil }
        var ms = Civil.days(year: y, month: mo, day: d) * 86_400_000
        guard p < b.count else { return ms - Int64(defaultOffsetMinutes) * 60_000 }
        guard b[p] == UInt8(ascii: "T") || b[p] == UInt8(ascii: "t") || b[p] == UInt8(ascii: " ") else { return nil }
        p += 1
        guard let h = digits(2), expect(UInt8(ascii: ":")), let mi = digits(2), h < 24, mi < 60 else { return nil }
        var sec: Int64 = 0
        if expect(UInt8(ascii: ":")) {
            guard let s = digits(2), s <= 60 else { return nil }
            sec = s
        }
        ms += (h * 3600 + mi * 60 + sec) * 1000
        if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
            var scale: Int64 = 100
            var any = false
            while p < b.count, b[p] >= 48, b[p] <= 57 {
                ms += Int64(b[p] - 48) * scale
                scale /= 10
                p += 1
                any = true
            }
            guard any else { return nil }
        }
        if p == b.count { return ms - Int64(defaultOffsetMinutes) * 60_000 }
        if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) { return p == b.count ? ms : nil }
        guard p < b.count, b[p] == UInt8(ascii: "+") || b[p] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = b[p] == UInt8(ascii: "-") ? -1 : 1
        p += 1
        guard let oh = digits(2) else { return nil }
        _ = expect(UInt8(ascii: ":"))
        guard let om = digits(2), p == b.count, oh < 24, om < 60 else { return nil }
        return ms - sign * (oh * 60 + om) * 60_000
    }

    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil).
public enum Civil {
    /// Days since 1970-01-01 of a calendar date.
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Calendar date of a day count since 1970-01-01.
    public static func date(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    public static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
