/// Keeps a model's smoothing constants adapting after the warm-up fit by
/// online gradient descent on the squared one-step error, one lane per
/// constant.
///
/// The gradient of e² with respect to a constant is -2·e·g, where `g` is
/// the derivative of the forecast with respect to it. One product is mostly
/// noise, so the step follows its running mean, normalised by the running
/// powers of e and g: `rate · E[e·g] / √(E[e²]·E[g²])`, a correlation in
/// [-1, 1]. That makes the step independent of the series' scale (one rate
/// fits temperatures and turbidity alike) and keeps the constant from
/// random-walking on noise while still following a persistent bias.
///
/// Every constant of a model sees the same error, so E[e²] is kept once and
/// the constants' lanes step together: one square root and one division for
/// all of them, where a tuner per constant paid one each and kept E[e²]
/// three times over. The numbers are the same to the bit.
public struct ConstantTuner<Lanes: SIMD>: Sendable, Equatable where Lanes.Scalar == Double, Lanes: Sendable {
    var errorPower = 0.0
    var gradientPower = Lanes()
    var correlation = Lanes()

    static var rate: Double { 0.002 }
    static var decay: Double { 0.02 }

    public init() {}

    /// Folds in the error `e` and the sensitivities `g`; returns each
    /// constant moved against its gradient (to be kept in its range by the
    /// caller), and which lanes may move at all: none while its running
    /// powers are still zero or not finite.
    @inline(__always)
    mutating func step(_ constants: Lanes, error e: Double, sensitivity g: Lanes) -> (moved: Lanes, valid: SIMDMask<Lanes.MaskStorage>) {
        errorPower += Self.decay * (e * e - errorPower)
        gradientPower += Self.decay * (g * g - gradientPower)
        correlation += Self.decay * (e * g - correlation)
        let scale = (errorPower * gradientPower).squareRoot()
        // NaN fails both comparisons.
        let valid = (scale .> 1e-300) .& (scale .< .infinity)
        return (constants + Self.rate * correlation / scale, valid)
    }

    func encode(_ w: inout SnapshotWriter) {
        w.write(errorPower)
        for i in 0 ..< Lanes.scalarCount {
            w.write(gradientPower[i])
            w.write(correlation[i])
        }
    }

    init(decoding r: inout SnapshotReader) throws {
        errorPower = try r.readDouble()
        for i in 0 ..< Lanes.scalarCount {
            gradientPower[i] = try r.readDouble()
            correlation[i] = try r.readDouble()
        }
    }
}
