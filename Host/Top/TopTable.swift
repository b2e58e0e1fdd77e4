import Foundation
import SluiceCore

/// One frame of `sluice top`: a table of the components of a topology,
/// padded to fixed columns. Pure, so a frame is the same for the same input.
struct TopTable {
    static let columns: [(title: String, width: Int)] = [
        ("COMPONENT", 20), ("KIND", 10), ("STATE", 11), ("IN/s", 9), ("OUT/s", 9), ("IN", 9), ("OUT", 9),
        ("DEAD", 7), ("RETRY", 7), ("QUEUE", 7), ("LAG", 8),
    ]

    let topology: Topology
    let address: String

    /// The lines of the frame, without terminal control codes.
    var lines: [String] {
        var out = ["sluice top — \(topology.pipeline) at \(address) — \(topology.ready ? "ready" : "NOT READY")", ""]
        out.append(row(Self.columns.map(\.title)))
        for n in topology.nodes {
            out.append(row([
                n.name, n.kind, n.state, Self.rate(n.rateIn), Self.rate(n.rateOut),
                Self.count(n.recordsIn), Self.count(n.recordsOut), Self.count(n.deadLettered), Self.count(n.retried),
                "\(n.queueDepth)/\(n.queueCapacity)", n.lag.map { Self.count(Int($0)) } ?? "-",
            ]))
        }
        if !topology.edges.isEmpty {
            out.append("")
            out.append("EDGES")
            for e in topology.edges {
                let from = e.output == "default" ? e.from : "\(e.from).\(e.output)"
                out.append("  \(from) → \(e.to)  \(Self.rate(e.rate))  \(Self.count(e.records)) records")
            }
        }
        return out
    }

    private func row(_ cells: [String]) -> String {
        zip(cells, Self.columns).map { cell, column in
            let text = cell.count > column.width - 1 ? String(cell.prefix(column.width - 2)) + "…" : cell
            return text.padding(toLength: column.width, withPad: " ", startingAt: 0)
        }.joined().trimmingCharacters(in: .whitespaces)
    }

    static func rate(_ perSecond: Double) -> String {
        switch perSecond {
        case ..<0.05: "0/s"
        case ..<10: String(format: "%.1f/s", perSecond)
        case ..<10000: String(format: "%.0f/s", perSecond)
        case ..<10_000_000: String(format: "%.1fk/s", perSecond / 1000)
        default: String(format: "%.1fM/s", perSecond / 1e6)
        }
    }

    static func count(_ n: Int) -> String { ProgressReporter.short(n) }
}
