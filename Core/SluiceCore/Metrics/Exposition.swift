/// The Prometheus text format (version 0.0.4) of a running pipeline: the
/// engine's per-stage counters as labelled series, then every plugin metric.
public enum Exposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func text(stages: [StageMetrics.Snapshot], registry: MetricsRegistry) -> String {
        let series: [(name: String, help: String, value: (StageMetrics.Snapshot) -> Int)] = [
            ("sluice_stage_records_in_total", "records that entered the stage", \.recordsIn),
            ("sluice_stage_records_out_total", "records the stage emitted (sinks: wrote)", \.recordsOut),
            ("sluice_stage_dead_lettered_total", "records the stage failed permanently", \.deadLettered),
            ("sluice_stage_retries_total", "retried calls", \.retries),
            ("sluice_stage_batches_total", "batches handled", \.batches),
        ]
        var out = ""
        for s in series {
            out += "# HELP \(s.name) \(s.help)\n# TYPE \(s.name) counter\n"
            for stage in stages {
                out += "\(s.name){stage=\"\(escape(stage.name))\",role=\"\(stage.role.rawValue)\"} \(s.value(stage))\n"
            }
        }
        return out + registry.prometheusText()
    }

    /// Label values escape backslash, quote and newline.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
