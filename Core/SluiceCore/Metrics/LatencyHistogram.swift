import Synchronization

/// One sink's end-to-end latency histogram (`MetricNames.endToEndLatency`),
/// observed a written batch at a time and exposed in the Prometheus text
/// format by `RunMetrics.exposition`.
///
/// Not swift-prometheus's `ValueHistogram`: that takes its lock and walks
/// every bucket once per observation, and this family has one observation
/// per written record. Here a batch's records are counted into their
/// buckets without the lock, and the counts added under it once per batch.
final class LatencyHistogram: Sendable {
    /// Upper bounds in seconds (`le`), ascending.
    let bounds: [Double]
    /// Per bound, the most milliseconds an observation in its bucket can
    /// have (the largest whole `m` with `m / 1000 <= bound`): records are
    /// bucketed by integer comparisons, without a division per record.
    private let limits: [Int64]
    /// `{name="value",…}` of every series line, rendered once.
    private let labels: [UInt8]
    private let state: Mutex<State>

    struct State {
        /// Per bucket, the observations above the previous bound and at most
        /// this one; one more slot for those above the last bound.
        var counts: [Int]
        /// Of all observations, in milliseconds: an integer sum is exact.
        var sumMillis: Int = 0
        var count: Int = 0
    }

    init(labels: [(String, String)], bounds: [Double]) {
        self.bounds = bounds
        limits = bounds.map(LatencyHistogram.limit)
        self.labels = Self.render(labels)
        state = Mutex(State(counts: Array(repeating: 0, count: bounds.count + 1)))
    }

    /// One observation per record of `records` that has an event time and is
    /// not among `failed`: the milliseconds from its event time to `nowMillis`
    /// (0 when the event time lies ahead).
    func observe(_ records: RecordBuffer, failed: [Int], nowMillis: Int64) {
        let skip = failed.isEmpty ? nil : Set(failed)
        var counts = [Int](repeating: 0, count: limits.count + 1)
        var sumMillis = 0
        var observed = 0
        counts.withUnsafeMutableBufferPointer { counts in
            limits.withUnsafeBufferPointer { limits in
                // The records of a batch have about the same latency: the last
                // one's bucket is tried first, two comparisons instead of a walk.
                var bucket = 0
                var low = Int64.min
                var high = limits.isEmpty ? Int64.max : limits[0]
                records.metas.withUnsafeBufferPointer { metas in
                    for (index, meta) in metas.enumerated() where meta.event_time_ms != .min {
                        if let skip, skip.contains(index) { continue }
                        let (elapsed, overflow) = nowMillis.subtractingReportingOverflow(meta.event_time_ms)
                        let millis = overflow ? Int64.max : max(0, elapsed)
                        if millis <= low || millis > high {
                            bucket = 0
                            while bucket < limits.count, millis > limits[bucket] { bucket += 1 }
                            low = bucket == 0 ? Int64.min : limits[bucket - 1]
                            high = bucket == limits.count ? Int64.max : limits[bucket]
                        }
                        counts[bucket] += 1
                        sumMillis &+= Int(millis)
                        observed += 1
                    }
                }
            }
        }
        guard observed > 0 else { return }
        state.withLock { total in
            for i in total.counts.indices { total.counts[i] += counts[i] }
            total.sumMillis &+= sumMillis
            total.count += observed
        }
    }

    /// The largest whole number of milliseconds `m` with `Double(m) / 1000 <= bound`
    /// (-1 when even 0 is above it): the bucket test of an observation in seconds, in integers.
    static func limit(_ bound: Double) -> Int64 {
        guard bound < Double(Int64.max) / 1000 else { return .max }
        guard bound >= 0 else { return -1 }
        var m = Int64((bound * 1000).rounded(.down))
        while Double(m + 1) / 1000 <= bound { m += 1 }
        while m >= 0, Double(m) / 1000 > bound { m -= 1 }
        return m
    }

    /// The series' `_bucket` (cumulative, as Prometheus reads them), `_sum` and `_count` lines.
    func emit(name: String, into buffer: inout [UInt8]) {
        let total = state.withLock { $0 }
        var cumulative = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += total.counts[i]
            line(name, "_bucket", le: bound.description, value: "\(cumulative)", into: &buffer)
        }
        line(name, "_bucket", le: "+Inf", value: "\(total.count)", into: &buffer)
        line(name, "_sum", le: nil, value: (Double(total.sumMillis) / 1000).description, into: &buffer)
        line(name, "_count", le: nil, value: "\(total.count)", into: &buffer)
    }

    private func line(_ name: String, _ suffix: String, le: String?, value: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(contentsOf: suffix.utf8)
        if !labels.isEmpty || le != nil {
            buffer.append(UInt8(ascii: "{"))
            buffer.append(contentsOf: labels)
            if let le {
                if !labels.isEmpty { buffer.append(UInt8(ascii: ",")) }
                buffer.append(contentsOf: #"le=""#.utf8)
                buffer.append(contentsOf: le.utf8)
                buffer.append(UInt8(ascii: "\""))
            }
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: value.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Label values escaped as the text format asks: backslash, double quote, line feed.
    private static func render(_ labels: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, (name, value)) in labels.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: #"=""#.utf8)
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        return out
    }
}
