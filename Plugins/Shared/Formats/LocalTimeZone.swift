import Foundation
import SluiceSDK

/// The zone of wall-clock times written without an offset: `UTC`, a fixed
/// offset such as `+05:30`, or an IANA name such as `America/Chicago`,
/// whose offset follows daylight saving.
public enum LocalTimeZone: Sendable {
    case fixed(minutes: Int)
    case named(TimeZone)

    /// Errors name `key`, the config key the zone came from.
    public init(_ name: String, key: String) throws {
        if let minutes = LocalTimeZone.offsetMinutes(name) {
            self = .fixed(minutes: minutes)
        } else if let tz = TimeZone(identifier: name) {
            self = .named(tz)
        } else {
            throw SluiceError.config("\(key): unknown time zone \(name.debugDescription) (UTC, +05:30 or an IANA name like America/Chicago)")
        }
    }

    /// Resolves a time parsed by `parse`, which takes the offset in minutes
    /// to assume when the text has none. For a named zone the offset is
    /// looked up at the instant itself, twice, so times near a DST change settle.
    public func resolve(_ parse: (Int) -> Int64?) -> Int64? {
        switch self {
        case let .fixed(minutes): return parse(minutes)
        case let .named(tz):
            guard let asUTC = parse(0) else { return nil }
            // A text with its own offset parses to one instant whatever the default.
            if parse(1) == asUTC { return asUTC }
            func offsetMillis(_ ms: Int64) -> Int64 { Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000 }
            return asUTC - offsetMillis(asUTC - offsetMillis(asUTC))
        }
    }

    static func offsetMinutes(_ s: String) -> Int? {
        if s == "UTC" || s == "Z" { return 0 }
        let u = Array(s.utf8)
        guard u.count == 6, u[0] == 43 || u[0] == 45, u[3] == 58,
              let h = Int(String(decoding: u[1 ..< 3], as: UTF8.self)), let m = Int(String(decoding: u[4 ..< 6], as: UTF8.self))
        else { return nil }
        return (u[0] == 45 ? -1 : 1) * (h * 60 + m)
    }
}
