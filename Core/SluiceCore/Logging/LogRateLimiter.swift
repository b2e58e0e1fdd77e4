/// A token bucket per kind of log line, so a library that repeats itself
/// (librdkafka retrying a broker that is down, every 100 ms) cannot flood
/// the log: each kind may burst, then passes at a steady trickle; a line
/// that passes after others were held back says how many.
///
/// A value type, driven by the caller's clock, so it is tested without time.
public struct LogRateLimiter: Sendable {
    public struct Decision: Equatable, Sendable {
        /// Whether to write the line.
        public let emit: Bool
        /// Lines of this kind held back since the last one written (only when `emit`).
        public let suppressed: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
        var suppressed: Int
    }

    public let burst: Double
    public let perSecond: Double
    /// Kinds tracked at most; the quietest are forgotten past it.
    public let maxKinds: Int
    private var buckets: [String: Bucket] = [:]

    /// `burst` lines of a kind at once, then `perSecond` on average.
    public init(burst: Int = 5, perSecond: Double = 0.2, maxKinds: Int = 1024) {
        self.burst = Double(max(1, burst))
        self.perSecond = perSecond
        self.maxKinds = maxKinds
    }

    /// Whether a line of kind `kind` may be written at `now` (seconds, monotonic).
    public mutating func admit(_ kind: String, now: Double) -> Decision {
        var b = buckets[kind] ?? Bucket(tokens: burst, updated: now, suppressed: 0)
        b.tokens = min(burst, b.tokens + max(0, now - b.updated) * perSecond)
        b.updated = now
        let decision: Decision
        if b.tokens >= 1 {
            b.tokens -= 1
            decision = Decision(emit: true, suppressed: b.suppressed)
            b.suppressed = 0
        } else {
            b.suppressed += 1
            decision = Decision(emit: false, suppressed: 0)
        }
        if buckets[kind] == nil, buckets.count >= maxKinds, let quietest = buckets.min(by: { $0.value.updated < $1.value.updated })?.key {
            buckets[quietest] = nil
        }
        buckets[kind] = b
        return decision
    }

    /// Every kind with lines held back since its last written one, and how
    /// many; those counts start again from zero. For a summary at the end,
    /// when no later line of the kind would carry the count.
    public mutating func drainSuppressed() -> [(kind: String, count: Int)] {
        var out: [(kind: String, count: Int)] = []
        for (kind, bucket) in buckets where bucket.suppressed > 0 {
            out.append((kind, bucket.suppressed))
            buckets[kind]?.suppressed = 0
        }
        return out.sorted { $0.kind < $1.kind }
    }

    /// The message part of a kind, for a summary line.
    public static func message(ofKind kind: String) -> String {
        kind.firstIndex(of: "\u{0}").map { String(kind[kind.index(after: $0)...]) } ?? kind
    }

    /// The kind of a message: digits collapsed, so lines that differ only
    /// in a count, a port or a duration share one bucket.
    public static func kind(of message: String, component: String) -> String {
        var out = component + "\u{0}"
        var inDigits = false
        for c in message.unicodeScalars {
            if ("0" ... "9").contains(c) {
                if !inDigits { out += "#" }
                inDigits = true
            } else {
                out.unicodeScalars.append(c)
                inDigits = false
            }
        }
        return out
    }
}
