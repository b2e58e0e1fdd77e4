/// The running distribution of one model's one-step errors: their scale,
/// the quantiles of the standardised error that the prediction intervals
/// use, and the recent mean absolute error `auto` ranks models by.
///
/// The quantiles start at the Gaussian values and track the errors actually
/// seen (stochastic-approximation quantile estimates), so heavy-tailed
/// residuals widen the intervals instead of breaking their coverage.
public struct ResidualStats: Sendable, Equatable {
    /// Exponentially weighted mean squared error.
    public private(set) var variance: Double
    /// Quantiles of |error| / σ for the 80% and 95% intervals.
    public private(set) var quantile80 = 1.2816
    public private(set) var quantile95 = 1.9600
    /// Exponentially weighted mean absolute error.
    public private(set) var recentError: Double

    /// Weight of the newest error in the variance.
    static let decay = 0.03
    /// Weight of the newest error in the recent error `auto` ranks by: a
    /// longer memory than the variance's, so a lucky run rarely wins.
    static let rankingDecay = 0.02
    /// Steps of the quantile trackers, in units of σ; the rarer tail gets the
    /// larger step so both settle in about the same number of errors.
    static let rate80 = 0.02
    static let rate95 = 0.05
    /// Errors beyond this many σ count only up to it in the variance, so one
    /// outlier does not blow the intervals open.
    static let clip = 5.0
    /// How many σ of one-step error a model learns from one reading.
    static let learnClip = 3.0

    /// Starts from the warm-up fit's one-step error.
    public init(meanSquaredError: Double) {
        let v = meanSquaredError.isFinite ? meanSquaredError : 0
        variance = v
        recentError = v.squareRoot()
    }

    /// The one-step error's standard deviation.
    public var sigma: Double { variance.squareRoot() }

    /// The standardised error (the anomaly score) of `e` against the spread
    /// before it, then folds `e` in. `sigma` is this one's `sigma`, which the
    /// caller has at hand (it bounds what the model learns): one square root per update.
    @inline(__always)
    mutating func record(_ e: Double, sigma: Double) -> Double {
        let z = sigma > 0 ? e / sigma : 0
        let a = abs(z)
        if sigma > 0 {
            // At rest the step up (on an exceedance) and the steps down balance exactly at the quantile.
            quantile80 += Self.rate80 * ((a > quantile80 ? 1 : 0) - 0.20)
            quantile95 += Self.rate95 * ((a > quantile95 ? 1 : 0) - 0.05)
            quantile80 = max(quantile80, 0.1)
            quantile95 = max(quantile95, quantile80)
        }
        let clipped = sigma > 0 ? min(abs(e), Self.clip * sigma) : abs(e)
        variance += Self.decay * (clipped * clipped - variance)
        recentError += Self.rankingDecay * (clipped - recentError)
        return z
    }

    func encode(_ w: inout SnapshotWriter) {
        for v in [variance, quantile80, quantile95, recentError] { w.write(v) }
    }

    init(decoding r: inout SnapshotReader) throws {
        variance = try r.readDouble()
        quantile80 = try r.readDouble()
        quantile95 = try r.readDouble()
        recentError = try r.readDouble()
    }
}
