import Foundation
import SluiceSDK

/// The `Retry-After` response header (RFC 9110 §10.2.3): delay seconds or an HTTP date.
public enum RetryAfter {
    /// Milliseconds to wait from `nowMillis`, or nil when the value is neither form.
    public static func delayMillis(_ value: String, nowMillis: Int64) -> Int64? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(v) { return max(0, seconds) * 1000 }
        guard let at = httpDateMillis(v) else { return nil }
        return max(0, at - nowMillis)
    }

    /// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    public static func httpDateMillis(_ s: String) -> Int64? {
        let parts = s.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int64(parts[1]), let year = Int64(parts[3]),
              let month = months.firstIndex(of: String(parts[2])) else { return nil }
        let hms = parts[4].split(separator: ":").compactMap { Int64($0) }
        guard hms.count == 3 else { return nil }
        let days = Civil.days(year: year, month: Int64(month + 1), day: day)
        return ((days * 24 + hms[0]) * 60 + hms[1]) * 60_000 + hms[2] * 1000
    }

    /// Formats `millis` as an IMF-fixdate.
    public static func httpDate(millis: Int64) -> String {
        let days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let (y, m, d) = Civil.date(fromDays: days)
        let secs = (millis - days * 86_400_000) / 1000
        let weekday = weekdays[Int(((days % 7) + 10) % 7)]
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(two(d)) \(months[Int(m - 1)]) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) GMT"
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
}
