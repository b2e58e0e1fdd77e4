#if canImport(Glibc)
import Glibc
#endif
import SluiceSDK

/// How long after its order a payment comes, in ms of event time.
public enum PaymentDelay: Sendable, Equatable {
    case fixed(Int64)
    case uniform(min: Int64, max: Int64)
    /// `min` plus an exponential draw with mean `mean - min`, cut at `max`: most payments come soon, a few late.
    case exponential(mean: Int64, min: Int64, max: Int64)
    /// Normal around `mean`, clamped to `[min, max]`.
    case normal(mean: Int64, stddev: Int64, min: Int64, max: Int64)

    /// Reads `{distribution, mean_ms, stddev_ms, min_ms, max_ms}`; absent keys take `defaults`' values.
    init(_ config: Config, defaults: JSONObject) throws {
        func value(_ key: String) throws -> Int64 {
            Int64(try config.int(key) ?? Int(defaults[key]?.integer ?? 0))
        }
        let lo = try value("min_ms"), hi = try value("max_ms"), mean = try value("mean_ms")
        guard lo >= 0, hi >= lo else { throw SluiceError.config("shop.payment_delay: needs 0 <= min_ms <= max_ms") }
        let name = try config.string("distribution") ?? defaults["distribution"]?.string ?? "uniform"
        switch name {
        case "fixed": self = .fixed(mean)
        case "uniform": self = .uniform(min: lo, max: hi)
        case "exponential":
            guard mean >= lo, mean <= hi else { throw SluiceError.config("shop.payment_delay: exponential needs min_ms <= mean_ms <= max_ms") }
            self = .exponential(mean: mean, min: lo, max: hi)
        case "normal":
            self = .normal(mean: mean, stddev: try value("stddev_ms"), min: lo, max: hi)
        default: throw SluiceError.config("shop.payment_delay.distribution: unknown \(name.debugDescription)")
        }
        if case let .fixed(ms) = self, ms < 0 { throw SluiceError.config("shop.payment_delay: mean_ms must not be negative") }
    }

    /// The longest delay this distribution can draw.
    var longest: Int64 {
        switch self {
        case let .fixed(ms): return ms
        case let .uniform(_, hi), let .exponential(_, _, hi), let .normal(_, _, _, hi): return hi
        }
    }

    func draw(_ r: inout SeededRandom) -> Int64 {
        switch self {
        case let .fixed(ms): return ms
        case let .uniform(lo, hi): return r.int(lo ... hi)
        case let .exponential(mean, lo, hi):
            let u = max(r.unit(), 1e-300)
            return min(hi, lo + Int64((-Double(mean - lo) * log(u)).rounded()))
        case let .normal(mean, stddev, lo, hi):
            return min(hi, max(lo, mean + Int64((Double(stddev) * r.gaussian()).rounded())))
        }
    }
}
