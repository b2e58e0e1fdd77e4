/// Holt's linear method (additive trend, error-correction form):
/// ŷ = level + trend; level += trend + α·e; trend += β·e.
public struct Holt: ForecastModel, Equatable {
    public static let kind = ModelKind.holt
    static let alphaRange = 0.01 ... 0.99

    public private(set) var alpha: Double
    public private(set) var beta: Double
    public private(set) var level: Double
    public private(set) var trend: Double
    /// ∂level and ∂trend with respect to (α, β).
    var levelSensitivity = (alpha: 0.0, beta: 0.0)
    var trendSensitivity = (alpha: 0.0, beta: 0.0)
    /// α's and β's tuners in lanes 0 and 1.
    var tuner = ConstantTuner<SIMD2<Double>>()

    /// A model at `level` and `trend`; `fit` chooses all four from a warm-up window.
    public init(alpha: Double, beta: Double, level: Double, trend: Double) {
        self.alpha = alpha
        self.beta = beta
        self.level = level
        self.trend = trend
    }

    public init() { self.init(alpha: 0, beta: 0, level: 0, trend: 0) }

    public static func fit(_ window: [Double], firstSlot: Int64, season: Int) -> (model: Holt, meanSquaredError: Double) {
        // State from the first half only: the second half scores the constants.
        let present = window.indices.prefix(max(window.count / 2, 2)).filter { !window[$0].isNaN }
        let start = present.first.map { window[$0] } ?? 0
        var trend = 0.0
        if let a = present.first, let b = present.last, b > a { trend = (window[b] - window[a]) / Double(b - a) }
        return search(on: window, from: [0.2, 0.01], axes: [[0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9], [0.0, 0.01, 0.05, 0.15, 0.3]]) { c in
            c[1] <= c[0] ? Holt(alpha: c[0], beta: c[1], level: start - trend, trend: trend) : nil
        }
    }

    @inline(__always)
    public func forecast(_ h: Int) -> Double { level + Double(h) * trend }

    public mutating func observe(_ y: Double) {
        let e = y - level - trend
        let g = (alpha: levelSensitivity.alpha + trendSensitivity.alpha, beta: levelSensitivity.beta + trendSensitivity.beta)
        level += trend + alpha * e
        trend += beta * e
        levelSensitivity = (alpha: (1 - alpha) * g.alpha + e, beta: (1 - alpha) * g.beta)
        trendSensitivity = (alpha: trendSensitivity.alpha - beta * g.alpha, beta: trendSensitivity.beta + e - beta * g.beta)
        let (moved, valid) = tuner.step(SIMD2(alpha, beta), error: e, sensitivity: SIMD2(g.alpha, g.beta))
        if valid[0] { alpha = min(max(moved[0], Self.alphaRange.lowerBound), Self.alphaRange.upperBound) }
        // β is kept at most the α just tuned.
        if valid[1] { beta = min(max(moved[1], 0), alpha) }
    }

    public static var learnsFixed: ((inout Holt, Double) -> Void)? {
        { model, y in
            let e = y - model.level - model.trend
            model.level += model.trend + model.alpha * e
            model.trend += model.beta * e
        }
    }

    public mutating func skip() {
        level += trend
        levelSensitivity.alpha += trendSensitivity.alpha
        levelSensitivity.beta += trendSensitivity.beta
    }

    @inline(__always)
    public func varianceFactor(_ h: Int) -> Double {
        var sum = 1.0
        for j in 1 ..< max(h, 1) {
            let c = alpha + Double(j) * beta
            sum += c * c
        }
        return sum
    }

    /// Field by field (the sensitivities are tuples, which Swift cannot compare for us).
    public static func == (a: Holt, b: Holt) -> Bool {
        a.alpha == b.alpha && a.beta == b.beta && a.level == b.level && a.trend == b.trend
            && a.levelSensitivity == b.levelSensitivity && a.trendSensitivity == b.trendSensitivity
            && a.tuner == b.tuner
    }

    public func encode(_ w: inout SnapshotWriter) {
        for v in [alpha, beta, level, trend, levelSensitivity.alpha, levelSensitivity.beta,
                  trendSensitivity.alpha, trendSensitivity.beta] { w.write(v) }
        tuner.encode(&w)
    }

    public init(decoding r: inout SnapshotReader) throws {
        alpha = try r.readDouble()
        beta = try r.readDouble()
        level = try r.readDouble()
        trend = try r.readDouble()
        levelSensitivity = (try r.readDouble(), try r.readDouble())
        trendSensitivity = (try r.readDouble(), try r.readDouble())
        tuner = try ConstantTuner(decoding: &r)
    }
}
