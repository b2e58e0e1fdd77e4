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
        let fixed = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { t -> Bool in
            guard let n = write(milliseconds: ms, into: t.baseAddress!) else { return false }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: t[..<n]))
            return true
        }
        if fixed { return }
        let frac = floorDivMod(ms, 1000).1
        appendDateTime(milliseconds: ms, to: &out)
        out.append(UInt8(ascii: "."))
        out.append(UInt8(48 + frac / 100))
        out.append(UInt8(48 + frac / 10 % 10))
        out.append(UInt8(48 + frac % 10))
        out.append(UInt8(ascii: "Z"))
    }

    /// Writes the 24 bytes of "2013-08-30T08:00:00.000Z" at `out`; nil (nothing
    /// written) for a year outside 0 … 9999, which `append` writes in more.
    static func write(milliseconds ms: Int64, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        var day = Day()
        return write(milliseconds: ms, into: out, day: &day)
    }

    /// Appends "2013-08-30T08:00:00" (whole seconds, no zone) as UTF-8.
    public static func appendDateTime(milliseconds ms: Int64, to out: inout [UInt8]) {
        // Written into 24 bytes and its first 19 appended once: byte by byte, each append checked the capacity.
        let fixed = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { t -> Bool in
            guard write(milliseconds: ms, into: t.baseAddress!) != nil else { return false }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: t[..<19]))
            return true
        }
        if fixed { return }
        let (days, msOfDay) = floorDivMod(ms, 86_400_000)
        let (y, m, d) = Civil.date(fromDays: days)
        let secOfDay = msOfDay / 1000
        func two(_ v: Int64) { out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10)) }
        out.append(contentsOf: Array(String(y).utf8))
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
        if let ms = parseUTC(b) { return ms }
        return parseGeneral(b, defaultOffsetMinutes: defaultOffsetMinutes)
    }

    /// "YYYY-MM-DDTHH:MM:SSZ" and "YYYY-MM-DDTHH:MM:SS.fffZ", the forms
    /// `format` writes, read at fixed offsets; nil for anything else (the
    /// general reader then decides, with the same result for these forms).
    @inline(__always)
    static func parseUTC(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard b.count == 20 || b.count == 24, let base = b.baseAddress, let day = utcDay(base) else { return nil }
        return utcTimeOfDay(base, b.count).map { day + $0 }
    }

    /// `parseUTC`, the day's milliseconds taken from `memo` when the text
    /// starts with the same "YYYY-MM-DD" as the last one read through it
    /// (timestamps of a stream mostly share their day): only the time of day is read.
    @inline(always)
    static func parseUTC(_ b: UnsafeRawBufferPointer, memo: inout UTCDayMemo) -> Int64? {
        guard b.count == 20 || b.count == 24, let base = b.baseAddress else { return nil }
        // Bytes 0 ..< 8 and 2 ..< 10: the whole "YYYY-MM-DD" in two loads.
        let head = base.loadUnaligned(as: UInt64.self), tail = base.loadUnaligned(fromByteOffset: 2, as: UInt64.self)
        let day: Int64
        if head == memo.head, tail == memo.tail {
            day = memo.milliseconds
        } else {
            guard let parsed = utcDay(base) else { return nil }
            memo = UTCDayMemo(head: head, tail: tail, milliseconds: parsed)
            day = parsed
        }
        return utcTimeOfDay(base, b.count).map { day + $0 }
    }

    /// The milliseconds since the epoch of the "YYYY-MM-DD" at `base`, at midnight UTC; nil unless a valid date.
    @inline(__always)
    private static func utcDay(_ base: UnsafeRawPointer) -> Int64? {
        guard base.load(fromByteOffset: 4, as: UInt8.self) == 0x2D, base.load(fromByteOffset: 7, as: UInt8.self) == 0x2D,
              let y100 = twoDigits(base, 0), let y1 = twoDigits(base, 2), let mo = twoDigits(base, 5), let d = twoDigits(base, 8) else { return nil }
        let y = y100 * 100 + y1
        guard mo >= 1, mo <= 12, d >= 1, d <= Civil.daysInMonth(y, mo) else { return nil }
        return Civil.days(year: y, month: mo, day: d) * 86_400_000
    }

    /// The milliseconds of "THH:MM:SSZ" or "THH:MM:SS.fffZ" at `base + 10`, ending at `n` (20 or 24).
    /// "HH:MM:SS" is read as one word: after an XOR with "0"s its digits are
    /// bytes 0 … 9 and its colons 0x0A, tested and paired a word at a time.
    @inline(__always)
    private static func utcTimeOfDay(_ base: UnsafeRawPointer, _ n: Int) -> Int64? {
        let zeros: UInt64 = 0x3030_3030_3030_3030
        let t = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 11, as: UInt64.self)) ^ zeros
        let digitBytes: UInt64 = 0xFFFF_00FF_FF00_FFFF
        let d = t & digitBytes
        guard base.load(fromByteOffset: 10, as: UInt8.self) == 0x54, base.load(fromByteOffset: n - 1, as: UInt8.self) == 0x5A,
              t & ~digitBytes == 0x0000_0A00_000A_0000, Self.allDigits(d) else { return nil }
        // Each byte becomes ten times itself plus the next: bytes 0, 3 and 6 hold the hours, minutes and seconds.
        let pairs = d &* 10 &+ (d &>> 8)
        let h = Int64(pairs & 0xFF), mi = Int64(pairs &>> 24 & 0xFF), sec = Int64(pairs &>> 48 & 0xFF)
        guard h < 24, mi < 60, sec <= 60 else { return nil }
        var fraction: Int64 = 0
        if n == 24 {
            // ":SS.fffZ": the "." (0x1E after the XOR) at byte 3, the digits at bytes 4 … 6.
            let u = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) ^ zeros
            let f = u & 0x00FF_FFFF_0000_0000
            guard u &>> 24 & 0xFF == 0x1E, Self.allDigits(f) else { return nil }
            fraction = Int64(f &>> 32 & 0xFF) * 100 + Int64(f &>> 40 & 0xFF) * 10 + Int64(f &>> 48 & 0xFF)
        }
        return (h * 3600 + mi * 60 + sec) * 1000 + fraction
    }

    /// Whether every byte of `v` is below 10 (a digit, after the XOR with "0"s).
    @inline(__always)
    private static func allDigits(_ v: UInt64) -> Bool {
        (v | (v &+ 0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080 == 0
    }

    /// The two decimal digits at `i`, nil unless both are digits.
    @inline(__always)
    private static func twoDigits(_ base: UnsafeRawPointer, _ i: Int) -> Int64? {
        let hi = base.load(fromByteOffset: i, as: UInt8.self) &- 48, lo = base.load(fromByteOffset: i + 1, as: UInt8.self) &- 48
        guard hi < 10, lo < 10 else { return nil }
        return Int64(hi) * 10 + Int64(lo)
    }

    static func parseGeneral(_ b: UnsafeRawBufferPointer, defaultOffsetMinutes: Int) -> Int64? {
        // A cursor value, not nested functions capturing `p`: a captured `var` is boxed and every
        // access paid a dynamic exclusivity check (about 2,000 instructions per NDJSON record).
        var c = DateCursor(b: b)
        guard let y = c.digits(4), c.expect(UInt8(ascii: "-")), let mo = c.digits(2), c.expect(UInt8(ascii: "-")), let d = c.digits(2),
              (1 ... 12).contains(mo), d >= 1, d <= Civil.daysInMonth(y, mo) else { return nil }
        var ms = Civil.days(year: y, month: mo, day: d) * 86_400_000
        guard !c.atEnd else { return ms - Int64(defaultOffsetMinutes) * 60_000 }
        guard c.expect(UInt8(ascii: "T")) || c.expect(UInt8(ascii: "t")) || c.expect(UInt8(ascii: " ")) else { return nil }
        guard let h = c.digits(2), c.expect(UInt8(ascii: ":")), let mi = c.digits(2), h < 24, mi < 60 else { return nil }
        var sec: Int64 = 0
        if c.expect(UInt8(ascii: ":")) {
            guard let s = c.digits(2), s <= 60 else { return nil }
            sec = s
        }
        ms += (h * 3600 + mi * 60 + sec) * 1000
        if c.expect(UInt8(ascii: ".")) || c.expect(UInt8(ascii: ",")) {
            var scale: Int64 = 100
            var any = false
            while let digit = c.digit() {
                ms += digit * scale
                scale /= 10
                any = true
            }
            guard any else { return nil }
        }
        if c.atEnd { return ms - Int64(defaultOffsetMinutes) * 60_000 }
        if c.expect(UInt8(ascii: "Z")) || c.expect(UInt8(ascii: "z")) { return c.atEnd ? ms : nil }
        let sign: Int64
        if c.expect(UInt8(ascii: "+")) { sign = 1 } else if c.expect(UInt8(ascii: "-")) { sign = -1 } else { return nil }
        guard let oh = c.digits(2) else { return nil }
        _ = c.expect(UInt8(ascii: ":"))
        guard let om = c.digits(2), c.atEnd, oh < 24, om < 60 else { return nil }
        return ms - sign * (oh * 60 + om) * 60_000
    }

    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}

/// The last "YYYY-MM-DD" `ISO8601.parseUTC(_:memo:)` read (its bytes as
/// two overlapping words) and that day's milliseconds. Zero words match no
/// text: a date's bytes are digits and dashes.
struct UTCDayMemo {
    var head: UInt64 = 0
    var tail: UInt64 = 0
    var milliseconds: Int64 = 0
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

/// Reads a date-time's fields left to right.
struct DateCursor {
    let b: UnsafeRawBufferPointer
    var p = 0

    var atEnd: Bool { p >= b.count }

    /// The next byte's digit value, consuming it; nil (consuming nothing) when it is not a digit.
    @inline(__always)
    mutating func digit() -> Int64? {
        guard p < b.count else { return nil }
        let c = b[p]
        guard c >= 48, c <= 57 else { return nil }
        p += 1
        return Int64(c &- 48)
    }

    /// `n` digits as a number; nil when fewer are there.
    @inline(__always)
    mutating func digits(_ n: Int) -> Int64? {
        guard p + n <= b.count else { return nil }
        var v: Int64 = 0
        for _ in 0 ..< n {
            guard let d = digit() else { return nil }
            v = v * 10 + d
        }
        return v
    }

    /// Consumes `c` when it is the next byte.
    @inline(__always)
    mutating func expect(_ c: UInt8) -> Bool {
        guard p < b.count, b[p] == c else { return false }
        p += 1
        return true
    }
}
