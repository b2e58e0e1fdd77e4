/// The answer of `GET /ready`: whether the pipeline is doing its job, and
/// if not, why. Pure, so the rules are tested without a running engine.
public struct Readiness: Sendable, Equatable {
    public let isReady: Bool
    /// One line per reason it is not, naming the component.
    public let reasons: [String]

    /// Ready once every component's thread runs, until the drain begins;
    /// not while a sink (or processor) backs off or a source cannot reach its server.
    public static func evaluate(built: Bool, stopping: Bool, components: [(name: String, condition: ComponentCondition)]) -> Readiness {
        var reasons: [String] = []
        if !built { reasons.append("the pipeline is starting") }
        if stopping { reasons.append("the pipeline is draining") }
        for c in components {
            if let why = c.condition.notReadyBecause { reasons.append("\(c.name): \(why)") }
        }
        return Readiness(isReady: reasons.isEmpty, reasons: reasons)
    }
}
