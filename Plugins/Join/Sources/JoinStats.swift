/// Counts for the join's metrics.
public struct JoinStats: Sendable, Equatable {
    public struct Input: Sendable, Equatable {
        /// Rows of this input in state now, and their document bytes.
        public var rows = 0
        public var bytes = 0
        /// Rows refused as late, in total.
        public var late = 0
    }

    public var inputs: [Input]
    /// Pairs emitted, in total.
    public var pairs = 0
    /// Outer rows (a row alone) emitted, in total.
    public var unmatched = 0
    /// Rows evicted early because state reached `maxRows`, in total.
    public var overflowEvictions = 0

    init(inputs: Int) {
        self.inputs = Array(repeating: Input(), count: inputs)
    }

    /// Adds another join's counts (the sum over splits).
    mutating func add(_ other: JoinStats) {
        for i in inputs.indices {
            inputs[i].rows += other.inputs[i].rows
            inputs[i].bytes += other.inputs[i].bytes
            inputs[i].late += other.inputs[i].late
        }
        pairs += other.pairs
        unmatched += other.unmatched
        overflowEvictions += other.overflowEvictions
    }
}
