import SluiceSDK

/// The join's metrics: state and watermark per input as gauges, and
/// counters fed with what changed since the last report.
struct JoinMetrics {
    struct PerInput {
        let rows: Metric
        let bytes: Metric
        let watermark: Metric
        let late: Metric
    }

    let inputs: [PerInput]
    let pairs: Metric
    let unmatched: Metric
    let overflow: Metric
    private var reported: JoinStats?

    init(host: PluginHost, inputNames: [String]) {
        inputs = inputNames.map { name in
            let n = Self.metricName(name)
            return PerInput(
                rows: host.metric(.gauge, "state_records_\(n)", help: "rows of input \(name) in the join's state"),
                bytes: host.metric(.gauge, "state_bytes_\(n)", help: "document bytes of input \(name) in the join's state"),
                watermark: host.metric(.gauge, "watermark_ms_\(n)", help: "watermark of input \(name), ms since the epoch"),
                late: host.metric(.counter, "late_records_\(n)_total", help: "rows of input \(name) behind the watermark"))
        }
        pairs = host.metric(.counter, "pairs_total", help: "joined pairs emitted")
        unmatched = host.metric(.counter, "unmatched_total", help: "outer rows (one side alone) emitted")
        overflow = host.metric(.counter, "overflow_evictions_total", help: "rows evicted early because state reached max_rows")
    }

    mutating func report(_ stats: JoinStats, _ watermarks: Watermarks) {
        let last = reported ?? JoinStats(inputs: stats.inputs.count)
        for (i, m) in inputs.enumerated() {
            m.rows.record(Double(stats.inputs[i].rows))
            m.bytes.record(Double(stats.inputs[i].bytes))
            if let w = watermarks.watermark(of: i) { m.watermark.record(Double(w)) }
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

    /// Input names such as `forecast.alerts` as metric-name characters.
    static func metricName(_ input: String) -> String {
        String(input.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}
