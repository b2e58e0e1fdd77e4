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
    /// Holds of rows gone from state that wait for a preserved partner to leave it too, now.
    public var deferredReleases = 0

    init(inputs: Int) {
        self.inputs = Array(repeating: Input(), count: inputs)
    }
}
