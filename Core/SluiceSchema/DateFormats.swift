/// RFC 3339 dates, times and durations (section 5.6 and appendix A).
enum DateFormats {
    typealias Bytes = ArraySlice<UInt8>

    /// `full-date "T" full-time`; the separator may be lower case.
    static func isDateTime(_ s: String) -> Bool {
        let u = Array(s.utf8)[...]
        guard u.count > 11, u[u.startIndex + 10] == UInt8(ascii: "T") || u[u.startIndex + 10] == UInt8(ascii: "t") else { return false }
        return isDate(u.prefix(10)) && isTime(u.dropFirst(11))
    }

    /// `YYYY-MM-DD`, with the day valid for its month and year.
    static func isDate(_ u: Bytes) -> Bool {
        guard u.count == 10, u[u.startIndex + 4] == UInt8(ascii: "-"), u[u.startIndex + 7] == UInt8(ascii: "-"),
              let year = number(u, 0, 4), let month = number(u, 5, 2), let day = number(u, 8, 2)
        else { return false }
        guard (1 ... 12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// `HH:MM:SS[.frac](Z|±HH:MM)`. A leap second (:60) is valid only at 23:59 UTC.
    static func isTime(_ u: Bytes) -> Bool {
        guard u.count >= 9, u[u.startIndex + 2] == UInt8(ascii: ":"), u[u.startIndex + 5] == UInt8(ascii: ":"),
              let hour = number(u, 0, 2), let minute = number(u, 3, 2), let second = number(u, 6, 2),
              hour <= 23, minute <= 59, second <= 60
        else { return false }
        var rest = u.dropFirst(8)
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let digits = rest.prefix(while: \.isDigit).count
            guard digits > 0 else { return false }
            rest = rest.dropFirst(digits)
        }
        var offset = 0
        if rest.count == 1, rest.first == UInt8(ascii: "Z") || rest.first == UInt8(ascii: "z") {
            offset = 0
        } else if rest.count == 6, rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-"),
                  rest[rest.startIndex + 3] == UInt8(ascii: ":"),
                  let h = number(rest, 1, 2), let m = number(rest, 4, 2), h <= 23, m <= 59 {
            offset = (h * 60 + m) * (rest.first == UInt8(ascii: "+") ? 1 : -1)
        } else {
            return false
        }
        if second == 60 {
            let utc = ((hour * 60 + minute - offset) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    /// RFC 3339 appendix A: `P` then a week, or date units in order (Y, M, D,
    /// each run unbroken) and/or `T` and time units (H, M, S, unbroken).
    static func isDuration(_ s: String) -> Bool {
        var u = Array(s.utf8)[...]
        guard u.first == UInt8(ascii: "P") else { return false }
        u = u.dropFirst()
        func units(_ order: [UInt8]) -> [Int]? {
            var found: [Int] = []
            while let c = u.first, c.isDigit {
                let digits = u.prefix(while: \.isDigit)
                u = u.dropFirst(digits.count)
                guard let unit = u.first, let at = order.firstIndex(of: unit) else { return nil }
                u = u.dropFirst()
                found.append(at)
            }
            // Each unit follows the one before it directly: Y then M then D, never Y then D.
            for (a, b) in zip(found, found.dropFirst()) where b != a + 1 { return nil }
            return found
        }
        guard let date = units(Array("YMDW".utf8)) else { return false }
        if date == [3] { return u.isEmpty }
        if date.contains(3) { return false }
        if u.isEmpty { return !date.isEmpty }
        guard u.first == UInt8(ascii: "T") else { return false }
        u = u.dropFirst()
        guard let time = units(Array("HMS".utf8)), !time.isEmpty else { return false }
        return u.isEmpty
    }

    /// `count` ASCII digits at `offset` as a number, or nil.
    private static func number(_ u: Bytes, _ offset: Int, _ count: Int) -> Int? {
        var v = 0
        for i in 0 ..< count {
            let c = u[u.startIndex + offset + i]
            guard c.isDigit else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }
}
