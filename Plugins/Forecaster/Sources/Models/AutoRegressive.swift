/// AR over lags 1…p, plus the seasonal lag when there is a season, with an
/// intercept, fitted online by recursive least squares with forgetting.
///
/// Values are centred on the warm-up mean so the intercept stays small and
/// the covariance well conditioned. A missing step feeds the model's own
/// forecast into the lags and leaves the coefficients alone.
public struct AutoRegressive: ForecastModel, Equatable {
    public static let kind = ModelKind.ar
    /// Non-seasonal lags; enough for the smooth sensor series this serves.
    public static let order = 3

    /// Lags in steps, ascending.
    public let lags: [Int]
    /// Intercept, then one coefficient per lag.
    public private(set) var coefficients: [Double]
    /// Forgetting factor: how fast old steps lose weight.
    public private(set) var forgetting: Double
    let center: Double
    /// Inverse-covariance estimate, row-major, (lags+1)².
    var covariance: [Double]
    /// The last `lags.last` centred values; `recent[head]` is the newest.
    var recent: [Double]
    var head = 0

    public init(season: Int, forgetting: Double, center: Double, spread: Double) {
        var lags = Array(1 ... Self.order)
        if season > Self.order { lags.append(season) }
        self.lags = lags
        let d = lags.count + 1
        coefficients = [Double](repeating: 0, count: d)
        self.forgetting = forgetting
        self.center = center
        covariance = [Double](repeating: 0, count: d * d)
        for i in 0 ..< d { covariance[i * d + i] = 100 / max(spread, 1e-9) }
        recent = [Double](repeating: 0, count: lags.last!)
    }

    public static func fit(_ window: [Double], firstSlot: Int64, season: Int) -> (model: AutoRegressive, meanSquaredError: Double) {
        let center = meanOfPresent(window) ?? 0
        let spread = meanOfPresent(window.map { ($0 - center) * ($0 - center) }) ?? 1
        let warm = min(max(season, Self.order), window.count - 1)
        return best(of: [0.98, 0.99, 0.995, 0.999], on: window, scoredFrom: warm) {
            AutoRegressive(season: season, forgetting: $0, center: center, spread: spread)
        }
    }

    /// The centred value `k` steps back (k ≥ 1).
    @inline(__always)
    func lagged(_ k: Int) -> Double {
        let i = head - k + 1
        return recent[i < 0 ? i + recent.count : i]
    }

    /// The one-step prediction in centred units.
    func predictCentred() -> Double {
        var y = coefficients[0]
        for (j, k) in lags.enumerated() { y += coefficients[j + 1] * lagged(k) }
        return y
    }

    public func forecast(_ h: Int) -> Double {
        if h == 1 { return center + predictCentred() }
        // Iterates the recursion, reading forecasts where a lag reaches past the last step.
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: h) { ahead in
            for step in 0 ..< h {
                var y = coefficients[0]
                for (j, k) in lags.enumerated() {
                    let back = step - k
                    y += coefficients[j + 1] * (back >= 0 ? ahead[back] : lagged(k - step))
                }
                ahead[step] = y
            }
            return center + ahead[h - 1]
        }
    }

    public mutating func observe(_ y: Double) {
        let d = coefficients.count
        let target = y - center
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * d) { buffer in
            let x = buffer.baseAddress!
            let px = x + d
            x[0] = 1
            for (j, k) in lags.enumerated() { x[j + 1] = lagged(k) }
            var e = target
            for i in 0 ..< d { e -= coefficients[i] * x[i] }
            var denominator = forgetting
            for i in 0 ..< d {
                var s = 0.0
                for j in 0 ..< d { s += covariance[i * d + j] * x[j] }
                px[i] = s
                denominator += x[i] * s
            }
            guard denominator > 1e-12 else { return }
            for i in 0 ..< d { coefficients[i] += px[i] / denominator * e }
            var trace = 0.0
            for i in 0 ..< d {
                for j in 0 ..< d {
                    covariance[i * d + j] = (covariance[i * d + j] - px[i] * px[j] / denominator) / forgetting
                }
                trace += covariance[i * d + i]
            }
            // With forgetting and little excitation (a flat series) the covariance grows without bound.
            if trace > 1e8 {
                for i in 0 ..< d * d { covariance[i] *= 1e8 / trace }
            }
        }
        push(target)
    }

    public mutating func skip() { push(predictCentred()) }

    mutating func push(_ centred: Double) {
        head = head + 1 == recent.count ? 0 : head + 1
        recent[head] = centred
    }

    public func varianceFactor(_ h: Int) -> Double {
        guard h > 1 else { return 1 }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: h) { psi in
            psi[0] = 1
            var sum = 1.0
            for i in 1 ..< h {
                var v = 0.0
                for (j, k) in lags.enumerated() where k <= i { v += coefficients[j + 1] * psi[i - k] }
                psi[i] = v
                sum += v * v
            }
            return sum
        }
    }

    public func encode(_ w: inout SnapshotWriter) {
        w.write(lags.last!)
        w.write(forgetting)
        w.write(center)
        w.write(coefficients)
        w.write(covariance)
        w.write(recent)
        w.write(head)
    }

    public init(decoding r: inout SnapshotReader) throws {
        let longest = try r.readInt()
        var lags = Array(1 ... Self.order)
        if longest > Self.order { lags.append(longest) }
        self.lags = lags
        forgetting = try r.readDouble()
        center = try r.readDouble()
        coefficients = try r.readDoubles()
        covariance = try r.readDoubles()
        recent = try r.readDoubles()
        head = try r.readInt()
        let d = lags.count + 1
        guard coefficients.count == d, covariance.count == d * d, recent.count == lags.last!, head >= 0, head < recent.count else {
            throw SnapshotError.malformed("ar state sizes")
        }
    }
}
