/// A fixed-field date pattern such as "MM/dd/yyyy hh:mm:ss a", as the
/// Chicago beach data and many sensor gateways write timestamps.
///
/// Tokens: yyyy, MM, M, dd, d, HH, H, hh, h, mm, ss, SSS (fraction, any
/// length), a (AM/PM), Z (zone: Z, ±HH:MM, ±HHMM); anything else matches itself.
public struct DateFormat: Sendable {
    enum Token: Sendable {
        case year, month, day, hour24, hour12, minute, second, fraction, ampm, zone
        case literal(UInt8)
    }

    let tokens: [Token]
    public let pattern: String

    public init(_ pattern: String) {
        self.pattern = pattern
        var tokens: [Token] = []
        let c = Array(pattern.utf8)
        var i = 0
        func run(_ ch: Character) -> Int {
            var n = 0
            while i + n < c.count, c[i + n] == ch.asciiValue! { n += 1 }
            return n
        }
        while i < c.count {
            let ch = Character(Unicode.Scalar(c[i]))
            let n = run(ch)
            switch ch {
            case "y": tokens.append(.year)
            case "M": tokens.append(.month)
            case "d": tokens.append(.day)
            case "H": tokens.append(.hour24)
            case "h": tokens.append(.hour12)
            case "m": tokens.append(.minute)
            case "s": tokens.append(.second)
            case "S": tokens.append(.fraction)
            case "a": tokens.append(.ampm)
            case "Z", "X": tokens.append(.zone)
            default:
                for k in 0 ..< n { tokens.append(.literal(c[i + k])) }
            }
            i += n
        }
        self.tokens = tokens
    }

    /// Milliseconds since the epoch, or nil if `text` does not match.
    /// Without a zone in the text, it is read at `offsetMinutes` from UTC.
    public func parse(_ text: String, offsetMinutes: Int = 0) -> Int64? {
        let b = Array(text.utf8)
        var p = 0
        var y: Int64 = 1970, mo: Int64 = 1, d: Int64 = 1, h: Int64 = 0, mi: Int64 = 0, s: Int64 = 0, ms: Int64 = 0
        var pm: Bool?
        var twelve = false
        var offset = Int64(offsetMinutes)
        func number(max: Int) -> Int64? {
            var v: Int64 = 0, n = 0
            while p < b.count, n < max, b[p] >= 48, b[p] <= 57 {
                v = v * 10 + Int64(b[p] - 48)
                p += 1
                n += 1
            }
            return n > 0 ? v : nil
        }
        for t in tokens {
            switch t {
            case .year: guard let v = number(max: 4) else { return nil }; y = v
            case .month: guard let v = number(max: 2) else { return nil }; mo = v
            case .day: guard let v = number(max: 2) else { return nil }; d = v
            case .hour24: guard let v = number(max: 2) else { return nil }; h = v
            case .hour12: guard let v = number(max: 2) else { return nil }; h = v; twelve = true
            case .minute: guard let v = number(max: 2) else { return nil }; mi = v
            case .second: guard let v = number(max: 2) else { return nil }; s = v
            case .fraction:
                var scale: Int64 = 100
                var any = false
                while p < b.count, b[p] >= 48, b[p] <= 57 {
                    ms += Int64(b[p] - 48) * scale
                    scale /= 10
                    p += 1
                    any = true
                }
                guard any else { return nil }
            case .ampm:
                guard p + 2 <= b.count else { return nil }
                let a = b[p] | 0x20, m = b[p + 1] | 0x20
                guard m == UInt8(ascii: "m"), a == UInt8(ascii: "a") || a == UInt8(ascii: "p") else { return nil }
                pm = a == UInt8(ascii: "p")
                p += 2
            case .zone:
                guard p < b.count else { return nil }
                if b[p] == UInt8(ascii: "Z") { p += 1; offset = 0; continue }
                guard b[p] == UInt8(ascii: "+") || b[p] == UInt8(ascii: "-") else { return nil }
                let sign: Int64 = b[p] == UInt8(ascii: "-") ? -1 : 1
                p += 1
                guard let oh = number(max: 2) else { return nil }
                if p < b.count, b[p] == UInt8(ascii: ":") { p += 1 }
                let om = number(max: 2) ?? 0
                offset = sign * (oh * 60 + om)
            case let .literal(c):
                guard p < b.count, b[p] == c else { return nil }
                p += 1
            }
        }
        guard p == b.count else { return nil }
        if twelve {
            guard (1 ... 12).contains(h) else { return nil }
            if let pm { h = h % 12 + (pm ? 12 : 0) }
        }
        // Some feeds write midnight as 24:00 of the same date; take it as the next day's 00:00.
        guard (1 ... 12).contains(mo), d >= 1, d <= Civil.daysInMonth(y, mo), h <= 24, mi < 60, s <= 60 else { return nil }
        let days = Civil.days(year: y, month: mo, day: d)
        return (days * 86400 + h * 3600 + mi * 60 + s - offset * 60) * 1000 + ms
    }
}
