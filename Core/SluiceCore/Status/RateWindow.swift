/// Per-second rates of counters from samples taken over time: the rate of a
/// key is its change between the oldest and newest sample still in the
/// window, so one late sample does not make a rate jump. A value type, fed
/// by the status server's sampling timer.
public struct RateWindow: Sendable {
    public struct Sample: Sendable {
        public let seconds: Double
        public let counts: [String: Int]

        public init(seconds: Double, counts: [String: Int]) {
            self.seconds = seconds
            self.counts = counts
        }
    }

    private var samples: [Sample] = []
    /// How far back the oldest sample may be.
    public let span: Double

    public init(span: Double = 5) { self.span = span }

    public mutating func add(_ sample: Sample) {
        samples.append(sample)
        // Keep one sample at or beyond the span, so the window always covers it.
        while samples.count > 2, sample.seconds - samples[1].seconds >= span { samples.removeFirst() }
    }

    /// Per second; 0 until two samples exist, and for a key the oldest sample lacks.
    public func rate(_ key: String) -> Double {
        guard let first = samples.first, let last = samples.last, last.seconds > first.seconds,
              let now = last.counts[key] else { return 0 }
        return Double(max(0, now - (first.counts[key] ?? 0))) / (last.seconds - first.seconds)
    }
}
