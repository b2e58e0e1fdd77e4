/// Keeps a smoothing constant adapting after the warm-up fit by online
/// gradient descent on the squared one-step error.
///
/// The gradient of e² with respect to the constant is -2·e·g, where `g` is
/// the derivative of the forecast with respect to it. One product is mostly
/// noise, so the step follows its running mean, normalised by the running
/// powers of e and g: `rate · E[e·g] / √(E[e²]·E[g²])`, a correlation in
/// [-1, 1]. That makes the step independent of the series' scale (one rate
/// fits temperatures and turbidity alike) and keeps the constant from
/// random-walking on noise while still following a persistent bias.
public struct ConstantTuner: Sendable, Equatable {
    var errorPower = 0.0
    var gradientPower = 0.0
    var correlation = 0.0

    static let rate = 0.002
    static let decay = 0.02

    public init() {}

    /// Moves `constant` against the gradient of e² and keeps it in `range`.
    mutating func step(_ constant: inout Double, error e: Double, sensitivity g: Double, range: ClosedRange<Double>) {
        errorPower += Self.decay * (e * e - errorPower)
        gradientPower += Self.decay * (g * g - gradientPower)
        correlation += Self.decay * (e * g - correlation)
        let scale = (errorPower * gradientPower).squareRoot()
        guard scale > 1e-300, scale.isFinite else { return }
        constant = min(max(constant + Self.rate * correlation / scale, range.lowerBound), range.upperBound)
    }

    func encode(_ w: inout SnapshotWriter) {
        w.write(errorPower)
        w.write(gradientPower)
        w.write(correlation)
    }

    init(decoding r: inout SnapshotReader) throws {
        errorPower = try r.readDouble()
        gradientPower = try r.readDouble()
        correlation = try r.readDouble()
    }
}
