#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exponential backoff with full jitter (AWS architecture blog's variant):
/// the n-th wait is uniform in [0, min(max, initial·2ⁿ)], which spreads
/// retries of many clients instead of synchronising them.
public struct Backoff: Sendable {
    public let initialMillis: Int
    public let maxMillis: Int
    public private(set) var attempt = 0

    public init(initialMillis: Int, maxMillis: Int) {
        self.initialMillis = initialMillis
        self.maxMillis = max(initialMillis, maxMillis)
    }

    public mutating func nextDelayMillis() -> Int {
        let ceiling = min(maxMillis, initialMillis << min(attempt, 20))
        attempt += 1
        return max(initialMillis / 2, Int.random(in: 0 ... ceiling))
    }

    public mutating func reset() { attempt = 0 }

    /// Sleeps the next delay, waking early if `interrupted` turns true.
    public mutating func sleep(interrupted: () -> Bool = { false }) {
        Backoff.sleep(millis: nextDelayMillis(), interrupted: interrupted)
    }

    /// Sleeps up to `millis`, checking `interrupted` every 50 ms at most.
    public static func sleep(millis: Int, interrupted: () -> Bool) {
        var left = millis
        while left > 0, !interrupted() {
            let step = min(left, 50)
            usleep(UInt32(step) * 1000)
            left -= step
        }
    }
}
