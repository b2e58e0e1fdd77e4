/// AR over the step-to-step changes (ARIMA p,1,0): the next change is an
/// intercept (drift) plus coefficients on the last `order` changes and, with
/// a season, on the change one season back. Fitted online by recursive least
/// squares with forgetting.
///
/// Modelling changes rather than levels keeps the model from pulling
/// forecasts back to a stale mean when a sensor's level moves (water warming
/// through a summer); all-zero coefficients are persistence, which is where
/// the fit starts. A missing step feeds the model's own forecast into the
/// lags and leaves the coefficients alone.
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
    /// The last value consumed (or forecast over a missing step).
    public private(set) var last: Double
    /// Inverse-covariance estimate, row-major, (lags+1)².
    var covariance: [Double]
    /// The last `lags.last` changes; `changes[head]` is the newest.
    var changes: [Double]
    var head = 0

    /// A fresh model at persistence: `last` is the latest value, `spread` the
    /// mean squared step change (the scale of the prior).
    public init(season: Int, forgetting: Double, last: Double, spread: Double) {
        var lags = Array(1 ... Self.order)
        if season > Self.order { lags.append(season) }
        self.lags = lags
        let d = lags.count + 1
        coefficients = [Double](repeating: 0, count: d)
        self.forgetting = forgetting
        self.last = last
        covariance = [Double](repeating: 0, count: d * d)
        // A prior worth about one step of data, on the scale of the changes.
        for i in 0 ..< d { covariance[i * d + i] = 1 / spread }
        changes = [Double](repeating: 0, count: lags.last!)
    }

    public init() {
        lags = []
        coefficients = []
        forgetting = 1
        last = 0
        covariance = []
        changes = []
    }

    public static func fit(_ window: [Double], firstSlot: Int64, season: Int) -> (model: AutoRegressive, meanSquaredError: Double) {
        let start = window.first { !$0.isNaN } ?? 0
        let steps = zip(window.dropFirst(), window).map { $0 - $1 }.filter { !$0.isNaN }
        // Floored so a flat warm-up (a stuck sensor) does not make the prior vanish.
        let spread = max(meanOfPresent(steps.map { $0 * $0 }) ?? 0, 1e-12, 1e-6 * start * start)
        return search(on: window, from: [0.995], axes: [[0.99, 0.995, 0.999]]) {
            AutoRegressive(season: season, forgetting: $0[0], last: start, spread: spread)
        }
    }

    /// The change `k` steps back (k ≥ 1).
    @inline(__always)
    func lagged(_ k: Int) -> Double {
        let i = head - k + 1
        return changes[i < 0 ? i + changes.count : i]
    }

    /// The next step's change.
    func predictChange() -> Double {
        var d = coefficients[0]
        for (j, k) in lags.enumerated() { d += coefficients[j + 1] * lagged(k) }
        return d
    }

    public func forecast(_ h: Int) -> Double {
        if h == 1 { return last + predictChange() }
        // Iterates the recursion, reading forecast changes where a lag reaches past the last step.
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: h) { ahead in
            var y = last
            for step in 0 ..< h {
                var d = coefficients[0]
                for (j, k) in lags.enumerated() {
                    let back = step - k
                    d += coefficients[j + 1] * (back >= 0 ? ahead[back] : lagged(k - step))
                }
                ahead[step] = d
                y += d
            }
            return y
        }
    }

    public mutating func observe(_ y: Double) {
        let d = coefficients.count
        let change = y - last
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * d) { buffer in
            let x = buffer.baseAddress!
            let px = x + d
            x[0] = 1
            for (j, k) in lags.enumerated() { x[j + 1] = lagged(k) }
            var e = change
            for i in 0 ..< d { e -= coefficients[i] * x[i] }
            var denominator = forgetting
            for i in 0 ..< d {
                var s = 0.0
                for j in 0 ..< d { s += covariance[i * d + j] * x[j] }
                px[i] = s
                denominator += x[i] * s
            }
            guard denominator > 1e-300 else { return }
            for i in 0 ..< d { coefficients[i] += px[i] / denominator * e }
            var trace = 0.0
            for i in 0 ..< d {
                for j in 0 ..< d {
                    covariance[i * d + j] = (covariance[i * d + j] - px[i] * px[j] / denominator) / forgetting
                }
                trace += covariance[i * d + i]
            }
            // With forgetting and little excitation (a flat series) the covariance grows without bound.
            if trace > 1e12 {
                for i in 0 ..< d * d { covariance[i] *= 1e12 / trace }
            }
        }
        push(change)
    }

    public mutating func skip() { push(predictChange()) }

    public static var learnsFixed: ((inout AutoRegressive, Double) -> Void)? { nil }

    mutating func push(_ change: Double) {
        head = head + 1 == changes.count ? 0 : head + 1
        changes[head] = change
        last += change
    }

    /// Σ of the squared weights of past shocks in the h-step error: the
    /// changes' ψ-weights, summed up because the level integrates them.
    public func varianceFactor(_ h: Int) -> Double {
        guard h > 1 else { return 1 }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: h) { psi in
            psi[0] = 1
            var cumulative = 1.0
            var sum = 1.0
            for i in 1 ..< h {
                var v = 0.0
                for (j, k) in lags.enumerated() where k <= i { v += coefficients[j + 1] * psi[i - k] }
                psi[i] = v
                cumulative += v
                sum += cumulative * cumulative
            }
            return sum
        }
    }

    public func encode(_ w: inout SnapshotWriter) {
        w.write(lags.last!)
        w.write(forgetting)
        w.write(last)
        w.write(coefficients)
        w.write(covariance)
        w.write(changes)
        w.write(head)
    }

    public init(decoding r: inout SnapshotReader) throws {
        let longest = try r.readInt()
        var lags = Array(1 ... Self.order)
        if longest > Self.order { lags.append(longest) }
        self.lags = lags
        forgetting = try r.readDouble()
        last = try r.readDouble()
        coefficients = try r.readDoubles()
        covariance = try r.readDoubles()
        changes = try r.readDoubles()
        head = try r.readInt()
        let d = lags.count + 1
        guard coefficients.count == d, covariance.count == d * d, changes.count == lags.last!, head >= 0, head < changes.count else {
            throw SnapshotError.malformed("ar state sizes")
        }
    }
}
