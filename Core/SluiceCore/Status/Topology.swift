/// `GET /api/topology`: the running graph, with counts and per-second rates
/// on every component and wire, as JSON (snake_case keys).
public struct Topology: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public let name: String
        public let kind: String
        /// `plugin.component`; `builtin.dead-letter` for the default dead-letter file.
        public let use: String
        /// A `ComponentCondition` label.
        public let state: String
        /// Instances running it (`workers:`); its counts and queue are theirs together.
        public let workers: Int
        public let recordsIn: Int
        public let recordsOut: Int
        public let deadLettered: Int
        public let retried: Int
        public let queueDepth: Int
        public let queueCapacity: Int
        /// Sum of the component's consumer-lag gauges (Kafka), nil when it has none.
        public let lag: Double?
        public let rateIn: Double
        public let rateOut: Double
    }

    public struct Edge: Codable, Sendable, Equatable {
        public let from: String
        /// The producer's output: `default` or a named output such as `alerts`.
        public let output: String
        public let to: String
        public let records: Int
        public let rate: Double
    }

    public let pipeline: String
    public let ready: Bool
    public let nodes: [Node]
    public let edges: [Edge]

    /// The keys of `RateWindow` samples for a node's counters and an edge.
    public static func inKey(_ node: String) -> String { "in\u{0}" + node }
    public static func outKey(_ node: String) -> String { "out\u{0}" + node }
    public static func edgeKey(from: String, output: String, to: String) -> String { "edge\u{0}\(from)\u{0}\(output)\u{0}\(to)" }
}
