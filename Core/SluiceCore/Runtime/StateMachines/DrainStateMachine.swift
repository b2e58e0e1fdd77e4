/// When one stage drains: once every inbound edge has sent its end.
///
/// An edge is one (producer, output) → (this stage, port) wire of the plan,
/// plus one per stage that may dead-letter into it; the engine counts them
/// when it wires the graph.
struct DrainStateMachine {
    enum Action: Equatable {
        case keepRunning
        /// Every edge ended: finish the inbox, run the final tick or flush, pass the end on.
        case drain
    }

    private(set) var openEdges: Int

    init(edges: Int) {
        openEdges = edges
    }

    /// A stage with no inbound edge (a source) never waits for one.
    var isDrained: Bool { openEdges == 0 }

    mutating func edgeEnded() -> Action {
        precondition(openEdges > 0, "more ends than edges")
        openEdges -= 1
        return openEdges == 0 ? .drain : .keepRunning
    }
}
