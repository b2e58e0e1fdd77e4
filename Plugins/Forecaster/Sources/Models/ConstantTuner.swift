/// Keeps a smoothing constant adapting after the warm-up fit by online
/// gradient descent on the squared one-step error.
///
/// The step is `rate · e · g / √(E[e²]·E[g²])`, where `g` is the derivative
/// of the forecast with respect to the constant: normalising by running
/// powers makes it independent of the series' scale, so one rate fits
/// temperatures and turbidity alike, and the step stays small while the
/// gradient is noisy.
public struct ConstantTuner: Sendable, Equatable {
    var errorPower: Double
    var gradientPower: Double

    static let rate = 0.003
    static let decay = 0.02

    public init(errorPower: Double = 0, gradientPower: Double = 0) {
        self.errorPower = errorPower
        self.gradientPower = gradientPower
    }

    /// Moves `constant` against the gradient of e² and keeps it in `range`.
    mutating func step(_ constant: inout Double, error e: Double, sensitivity g: Double, range: ClosedRange<Double>) {
        errorPower += Self.decay * (e * e - errorPower)
        gradientPower += Self.decay * (g * g - gradientPower)
        let scale = (errorPower * gradientPower).squareRoot()
        guard scale > 1e-300, scale.isFinite else { return }
        // d(e²)/dθ = -2e·g, so descending means moving along +e·g.
        let move = Self.rate * e * g / scale
        constant = min(max(constant + max(min(move, 0.05), -0.05), range.lowerBound), range.upperBound)
    }

    func encode(_ w: inout SnapshotWriter) {
        w.write(errorPower)
        w.write(gradientPower)
    }

    init(decoding r: inout SnapshotReader) throws {
        errorPower = try r.readDouble()
        gradientPower = try r.readDouble()
    }
}
