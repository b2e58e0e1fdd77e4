import Foundation

extension Engine {
    /// The counters `RateWindow` turns into rates, keyed as `Topology` reads them.
    public func rateSample() -> RateWindow.Sample {
        var counts: [String: Int] = [:]
        for stage in liveComponents {
            let s = stage.metrics.snapshot
            counts[Topology.inKey(s.name)] = s.recordsIn
            counts[Topology.outKey(s.name)] = s.recordsOut
            for (output, edges) in stage.routes.enumerated() {
                for edge in edges {
                    counts[Topology.edgeKey(from: stage.name, output: outputName(stage, output), to: edge.consumer.name)] = edge.records.value
                }
            }
        }
        return RateWindow.Sample(seconds: Double(Clock.monotonicNanos()) / 1e9, counts: counts)
    }

    /// The graph as it runs; rates from `rates`.
    public func topology(rates: RateWindow) -> Topology {
        let stages = liveComponents
        let lags = Dictionary(grouping: metrics.pluginMetrics.filter { $0.kind == .gauge && $0.name.hasSuffix("_consumer_lag_records") },
                              by: \.component).mapValues { $0.map(\.gaugeValue).reduce(0, +) }
        let nodes = stages.map { stage -> Topology.Node in
            let s = stage.metrics.snapshot
            return Topology.Node(
                name: s.name, kind: s.role.rawValue, use: plan.node(s.name)?.spec.use ?? "builtin.dead-letter", state: stage.condition.label,
                workers: stage.workers.count,
                recordsIn: s.recordsIn, recordsOut: s.recordsOut, deadLettered: s.deadLettered, retried: s.retries,
                queueDepth: stage.queueDepth, queueCapacity: stage.queueCapacity, lag: lags[s.name],
                rateIn: rates.rate(Topology.inKey(s.name)), rateOut: rates.rate(Topology.outKey(s.name)))
        }
        var edges: [Topology.Edge] = []
        for stage in stages {
            for (output, wires) in stage.routes.enumerated() {
                for edge in wires {
                    let name = outputName(stage, output)
                    edges.append(Topology.Edge(from: stage.name, output: name, to: edge.consumer.name, records: edge.records.value,
                                               rate: rates.rate(Topology.edgeKey(from: stage.name, output: name, to: edge.consumer.name))))
                }
            }
        }
        return Topology(pipeline: metrics.pipeline, ready: readiness.isReady, nodes: nodes, edges: edges)
    }

    private func outputName(_ stage: WorkerGroup, _ output: Int) -> String {
        guard output > 0, let outputs = plan.node(stage.name)?.component.outputs, output - 1 < outputs.count else { return "default" }
        return outputs[output - 1]
    }
}
