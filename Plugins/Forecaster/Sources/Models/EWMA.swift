/// Simple exponential smoothing: a level that follows the series at rate α.
/// The forecast is flat at every horizon.
public struct EWMA: ForecastModel, Equatable {
    public static let kind = ModelKind.ewma
    static let alphaRange = 0.01 ... 0.99

    public private(set) var alpha: Double
    public private(set) var level: Double
    /// ∂level/∂α, carried forward for the gradient on α.
    var levelSensitivity = 0.0
    /// α's tuner in lane 0 (lane 1 is unused: its sensitivity stays 0, so it never moves).
    var tuner = ConstantTuner<SIMD2<Double>>()

    /// A model at `level` smoothing with `alpha`; `fit` chooses both from a warm-up window.
    public init(alpha: Double, level: Double) {
        self.alpha = alpha
        self.level = level
    }

    public init() { self.init(alpha: 0, level: 0) }

    public static func fit(_ window: [Double], firstSlot: Int64, season: Int) -> (model: EWMA, meanSquaredError: Double) {
        let start = window.first { !$0.isNaN } ?? 0
        return search(on: window, from: [0.3], axes: [[0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9]]) { EWMA(alpha: $0[0], level: start) }
    }

    @inline(__always)
    public func forecast(_ h: Int) -> Double { level }

    public mutating func observe(_ y: Double) {
        let e = y - level
        let g = levelSensitivity
        level += alpha * e
        levelSensitivity = (1 - alpha) * levelSensitivity + e
        let (moved, valid) = tuner.step(SIMD2(alpha, 0), error: e, sensitivity: SIMD2(g, 0))
        if valid[0] { alpha = min(max(moved[0], Self.alphaRange.lowerBound), Self.alphaRange.upperBound) }
    }

    public mutating func skip() {}

    public static var learnsFixed: ((inout EWMA, Double) -> Void)? { { $0.level += $0.alpha * ($1 - $0.level) } }

    @inline(__always)
    public func varianceFactor(_ h: Int) -> Double { 1 + Double(h - 1) * alpha * alpha }

    public func encode(_ w: inout SnapshotWriter) {
        w.write(alpha)
        w.write(level)
        w.write(levelSensitivity)
        tuner.encode(&w)
    }

    public init(decoding r: inout SnapshotReader) throws {
        alpha = try r.readDouble()
        level = try r.readDouble()
        levelSensitivity = try r.readDouble()
        tuner = try ConstantTuner(decoding: &r)
    }
}
