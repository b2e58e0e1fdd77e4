/// What a running component is doing, as far as readiness is concerned.
public enum ComponentCondition: UInt8, Sendable, CaseIterable {
    /// Created, its thread not yet running.
    case starting
    case running
    /// A sink or processor backing off before retrying a batch.
    case retrying
    /// A sink or processor whose circuit breaker is open: no call to its
    /// server until the cool-down ends.
    case circuitOpen
    /// A source whose last poll failed retriably (its server cannot be reached).
    case unreachable
    /// Its thread ended (a source read everything; the graph drained).
    case finished

    /// Why a component in this condition keeps the pipeline from being ready; nil when it does not.
    public var notReadyBecause: String? {
        switch self {
        case .running, .finished: nil
        case .starting: "starting"
        case .retrying: "backing off before a retry"
        case .circuitOpen: "circuit breaker open after repeated failures"
        case .unreachable: "cannot reach its server"
        }
    }

    public var label: String {
        switch self {
        case .starting: "starting"
        case .running: "running"
        case .retrying: "retrying"
        case .circuitOpen: "circuit_open"
        case .unreachable: "unreachable"
        case .finished: "finished"
        }
    }
}
