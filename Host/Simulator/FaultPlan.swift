import SluiceSDK

/// Faults the simulated API injects, each drawn per request at its rate, so
/// tests and demos can show backoff, Retry-After and dead-lettering.
struct FaultPlan {
    var errorRate = 0.0
    var throttleRate = 0.0
    var retryAfterSeconds = 1
    var slowRate = 0.0
    var slowMillis = 2000
    var malformedRate = 0.0
    var random = SeededRandom(seed: 1)

    enum Fault {
        /// 500 Internal Server Error; no reading is used up.
        case error
        /// 503 with Retry-After; no reading is used up.
        case throttle
    }

    mutating func failure() -> Fault? {
        if hit(throttleRate) { return .throttle }
        if hit(errorRate) { return .error }
        return nil
    }

    mutating func delayMillis() -> Int64 { hit(slowRate) ? Int64(slowMillis) : 0 }

    /// Garbles a line the way a flaky sensor gateway does: a field lost or
    /// replaced by noise.
    mutating func maybeGarble(_ line: String) -> String {
        guard hit(malformedRate) else { return line }
        var parts = line.split(separator: " ").map(String.init)
        if parts.count > 2, Bool.random(using: &random) {
            parts.remove(at: Int.random(in: 1 ..< parts.count - 1, using: &random))
        } else if !parts.isEmpty {
            parts[Int.random(in: 0 ..< parts.count, using: &random)] = "#ERR"
        }
        return parts.joined(separator: " ")
    }

    /// Cuts a JSON or CSV record short, as a dropped connection mid-write would.
    mutating func maybeTruncate(_ record: String) -> String {
        guard hit(malformedRate) else { return record }
        return String(record.prefix(record.count / 2))
    }

    private mutating func hit(_ rate: Double) -> Bool {
        rate > 0 && Double.random(in: 0 ..< 1, using: &random) < rate
    }
}
