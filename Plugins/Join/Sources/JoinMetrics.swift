import SluiceSDK

/// The join's metrics: state, watermark and watermark lag per stream
/// (label `input`; the lowest watermark among splits) as gauges, and counters fed with what changed since the last report.
struct JoinMetrics {
    struct PerInput {
        let rows: Metric
        let bytes: Metric
        let watermark: Metric
        let watermarkLag: Metric
        let late: Metric
    }

    let inputs: [PerInput]
    let pairs: Metric
    let unmatched: Metric
    let overflow: Metric
    /// Outer rows not emitted because the row matched before a restart (`MatchLedger`).
    let replayedMatched: Metric
    private var reported: JoinStats?

    init(host: PluginHost, streamNames: [String]) {
        inputs = streamNames.map { name in
            PerInput(
                rows: host.metric(.gauge, "state_records", labels: ["input": name], help: "rows of an input in the join's state"),
                bytes: host.metric(.gauge, "state_bytes", labels: ["input": name], help: "document bytes of an input in the join's state"),
                watermark: host.metric(.gauge, "watermark_ms", labels: ["input": name], help: "watermark of an input, ms since the epoch"),
                watermarkLag: host.metric(.gauge, "watermark_lag_seconds", labels: ["input": name],
                                          help: "wall-clock time minus the input's watermark"),
                late: host.metric(.counter, "late_records_total", labels: ["input": name], help: "rows of an input behind the watermark"))
        }
        pairs = host.metric(.counter, "pairs_total", help: "joined pairs emitted")
        replayedMatched = host.metric(.counter, "replayed_matched_total",
                                      help: "replayed rows that matched before a restart: no outer row emitted for them again")
        unmatched = host.metric(.counter, "unmatched_total", help: "outer rows (one side alone) emitted")
        overflow = host.metric(.counter, "overflow_evictions_total", help: "rows evicted early because state reached max_rows")
    }

    mutating func report(_ stats: JoinStats, _ watermarks: [Int64?], nowMillis: Int64) {
        let last = reported ?? JoinStats(inputs: stats.inputs.count)
        for (i, m) in inputs.enumerated() {
            m.rows.record(Double(stats.inputs[i].rows))
            m.bytes.record(Double(stats.inputs[i].bytes))
            if let w = watermarks[i] {
                m.watermark.record(Double(w))
                m.watermarkLag.record(Double(nowMillis - w) / 1000)
            }
            Self.add(m.late, stats.inputs[i].late - last.inputs[i].late)
        }
        Self.add(pairs, stats.pairs - last.pairs)
        Self.add(unmatched, stats.unmatched - last.unmatched)
        Self.add(overflow, stats.overflowEvictions - last.overflowEvictions)
        reported = stats
    }

    private static func add(_ counter: Metric, _ delta: Int) {
        if delta > 0 { counter.record(Double(delta)) }
    }
}
