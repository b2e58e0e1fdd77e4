/// Additive Holt-Winters (ETS A,A,A in error-correction form):
/// ŷ = level + trend + season[slot]; level += trend + α·e; trend += β·e;
/// season[slot] += γ·e.
///
/// The seasonal slot is the grid slot modulo the season length, so a
/// restart or a re-warm keeps the season aligned to the clock.
public struct HoltWinters: ForecastModel, Equatable {
    public static let kind = ModelKind.holtWinters

    public private(set) var alpha: Double
    public private(set) var beta: Double
    public private(set) var gamma: Double
    public private(set) var level: Double
    public private(set) var trend: Double
    /// Per season slot i: the offset at 2i, ∂offset/∂γ at 2i + 1. One
    /// array, interleaved, so an update touches one cache line of it where
    /// two arrays cost two misses on 10,000 keys. The offsets' dependence on
    /// α and β (through past errors only) is left out: it is second order
    /// for the gradient, and keeping it would double this array.
    var seasonal: [Double]
    /// Index of the next step's season slot.
    var position: Int
    /// ∂level and ∂trend with respect to (α, β, γ).
    var levelSensitivity: SIMD3<Double> = .zero
    var trendSensitivity: SIMD3<Double> = .zero
    /// α's, β's and γ's tuners in lanes 0, 1 and 2.
    var tuner = ConstantTuner<SIMD3<Double>>()

    /// A model with the given state; `season[position]` is the offset of the next step.
    public init(alpha: Double, beta: Double, gamma: Double, level: Double, trend: Double, season: [Double], position: Int) {
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.level = level
        self.trend = trend
        self.position = position
        seasonal = [Double](repeating: 0, count: 2 * season.count)
        for (i, offset) in season.enumerated() { seasonal[2 * i] = offset }
    }

    public init() { self.init(alpha: 0, beta: 0, gamma: 0, level: 0, trend: 0, season: [], position: 0) }

    /// Steps per season.
    public var seasonLength: Int { seasonal.count / 2 }

    /// Seasonal offsets indexed by slot modulo the season length.
    public var season: [Double] { (0 ..< seasonLength).map { seasonal[2 * $0] } }

    /// ∂season[i]/∂γ.
    var seasonSensitivity: [Double] { (0 ..< seasonLength).map { seasonal[2 * $0 + 1] } }

    /// Initial level and season from the first cycle, trend from the first
    /// two cycles' means, then the constants with the lowest one-step error
    /// over the second cycle (coordinate search).
    ///
    /// The search scores each point with the constants held fixed
    /// (`fixedError`: a dozen instructions a step, no allocation); only the
    /// chosen point is replayed with the online tuning, to set up its
    /// sensitivities and tuners. Ten full replays cost about 280 instructions
    /// a step each, most of the warm-up. The tuners move a constant by at
    /// most 0.002 a step, and far less while their running correlation builds
    /// up, so the untuned error ranks the points as well (on the bench's
    /// 10,000 keys the one-step MAE went from 0.5198 to 0.5163).
    public static func fit(_ window: [Double], firstSlot: Int64, season m: Int) -> (model: HoltWinters, meanSquaredError: Double) {
        let m = max(m, 1)
        let cycles = max(window.count / m, 1)
        let cycleMeans = (0 ..< cycles).map { c in meanOfPresent(window[c * m ..< min((c + 1) * m, window.count)]) }
        let overall = meanOfPresent(window) ?? 0
        let first = cycleMeans.first! ?? overall
        let last = cycleMeans.last! ?? first
        let trend = cycles > 1 ? (last - first) / Double((cycles - 1) * m) : 0
        let startPosition = Int(((firstSlot % Int64(m)) + Int64(m)) % Int64(m))
        var offsets = [Double](repeating: 0, count: m)
        for i in 0 ..< min(m, window.count) where !window[i].isNaN {
            // Detrended against the straight line through the cycle means.
            offsets[(startPosition + i) % m] = window[i] - (first + trend * (Double(i) - Double(m - 1) / 2))
        }
        let mean = offsets.reduce(0, +) / Double(m)
        for i in 0 ..< m { offsets[i] -= mean }
        let level = first - trend * (Double(m - 1) / 2 + 1)
        let best = window.withUnsafeBufferPointer { window in
            offsets.withUnsafeBufferPointer { offsets in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: m) { scratch in
                    var point = SIMD3(0.2, 0.01, 0.1)
                    var bestError = fixedError(point, window, level: level, trend: trend, offsets: offsets,
                                               position: startPosition, scratch: scratch)!
                    for axis in 0 ..< 3 {
                        for value in searchAxes[axis] where value != point[axis] {
                            var candidate = point
                            candidate[axis] = value
                            guard let error = fixedError(candidate, window, level: level, trend: trend, offsets: offsets,
                                                         position: startPosition, scratch: scratch) else { continue }
                            // A finite error beats an infinite one (a window with no scored steps ties everywhere).
                            if error < bestError || !bestError.isFinite {
                                bestError = error
                                point = candidate
                            }
                        }
                    }
                    return point
                }
            }
        }
        var model = HoltWinters(alpha: best.x, beta: best.y, gamma: best.z, level: level, trend: trend, season: offsets,
                                position: startPosition)
        let error = model.replay(window)
        return (model, error)
    }

    /// The values the warm-up search tries for α, β and γ, starting from (0.2, 0.01, 0.1).
    static let searchAxes: [[Double]] = [[0.05, 0.1, 0.2, 0.35, 0.5, 0.7], [0.0, 0.01, 0.05], [0.05, 0.15, 0.3]]

    /// The mean squared one-step error over the non-missing steps of the
    /// window's second half (as `replay` scores) of the model started from
    /// `level`, `trend` and `offsets` with the constants `c` (α, β, γ) held
    /// fixed; nil outside the error-correction form's stability region
    /// (β ≤ α, γ ≤ 1 - α). `scratch` holds the offsets as they learn.
    static func fixedError(_ c: SIMD3<Double>, _ window: UnsafeBufferPointer<Double>, level: Double, trend: Double,
                           offsets: UnsafeBufferPointer<Double>, position: Int,
                           scratch: UnsafeMutableBufferPointer<Double>) -> Double?
    {
        guard c.y <= c.x, c.z <= 1 - c.x else { return nil }
        let m = offsets.count
        let s = scratch.baseAddress!
        s.initialize(from: offsets.baseAddress!, count: m)
        var level = level
        var trend = trend
        var p = position
        let scoredFrom = window.count / 2
        var sum = 0.0
        var n = 0
        for i in 0 ..< window.count {
            let y = window[i]
            if y.isNaN {
                level += trend
            } else {
                let e = y - level - trend - s[p]
                if i >= scoredFrom {
                    sum += e * e
                    n += 1
                }
                s[p] += c.z * e
                level += trend + c.x * e
                trend += c.y * e
            }
            p = p + 1 == m ? 0 : p + 1
        }
        return n == 0 ? .infinity : sum / Double(n)
    }

    /// The level with the seasonal offsets' mean folded in. Updates on
    /// one-step errors let the offsets drift together, which the forecast
    /// does not see (level + offset is what it uses) but the split does: this
    /// is the level to compare with a series' true one. O(season).
    public var deseasonalizedLevel: Double { level + season.reduce(0, +) / Double(seasonLength) }

    @inline(__always)
    public func forecast(_ h: Int) -> Double {
        let p = h == 1 ? position : (position + h - 1) % seasonLength
        return level + Double(h) * trend + seasonal[2 * p]
    }

    public mutating func observe(_ y: Double) {
        let p = position
        // One uniqueness check for the pair, instead of one per write.
        let (e, g) = seasonal.withUnsafeMutableBufferPointer { s in
            let e = y - level - trend - s[2 * p]
            let g = levelSensitivity + trendSensitivity + SIMD3(0, 0, s[2 * p + 1])
            s[2 * p] += gamma * e
            s[2 * p + 1] += e - gamma * g.z
            return (e, g)
        }
        level += trend + alpha * e
        trend += beta * e
        levelSensitivity = levelSensitivity + trendSensitivity - alpha * g + SIMD3(e, 0, 0)
        trendSensitivity = trendSensitivity - beta * g + SIMD3(0, e, 0)
        position = p + 1 == seasonLength ? 0 : p + 1
        let (moved, valid) = tuner.step(SIMD3(alpha, beta, gamma), error: e, sensitivity: g)
        if valid[0] { alpha = min(max(moved.x, 0.01), 0.99) }
        // β and γ are kept in the stability region of the α just tuned.
        if valid[1] { beta = min(max(moved.y, 0), alpha) }
        if valid[2] { gamma = min(max(moved.z, 0.01), max(0.01, 1 - alpha)) }
    }

    /// Its fit scores points by `fixedError` on its own.
    public static var learnsFixed: ((inout HoltWinters, Double) -> Void)? { nil }

    public mutating func skip() {
        level += trend
        levelSensitivity += trendSensitivity
        position = position + 1 == seasonLength ? 0 : position + 1
    }

    @inline(__always)
    public func varianceFactor(_ h: Int) -> Double {
        var sum = 1.0
        for j in 1 ..< max(h, 1) {
            let c = alpha + Double(j) * beta + (j % seasonLength == 0 ? gamma : 0)
            sum += c * c
        }
        return sum
    }

    public func encode(_ w: inout SnapshotWriter) {
        for v in [alpha, beta, gamma, level, trend] { w.write(v) }
        w.write(season)
        w.write(position)
        for v in [levelSensitivity, trendSensitivity] {
            w.write(v.x)
            w.write(v.y)
            w.write(v.z)
        }
        w.write(seasonSensitivity)
        tuner.encode(&w)
    }

    public init(decoding r: inout SnapshotReader) throws {
        alpha = try r.readDouble()
        beta = try r.readDouble()
        gamma = try r.readDouble()
        level = try r.readDouble()
        trend = try r.readDouble()
        let season = try r.readDoubles()
        position = try r.readInt()
        levelSensitivity = SIMD3(try r.readDouble(), try r.readDouble(), try r.readDouble())
        trendSensitivity = SIMD3(try r.readDouble(), try r.readDouble(), try r.readDouble())
        let seasonSensitivity = try r.readDoubles()
        tuner = try ConstantTuner(decoding: &r)
        guard !season.isEmpty, position >= 0, position < season.count, seasonSensitivity.count == season.count else {
            throw SnapshotError.malformed("holt-winters season of \(season.count) at \(position)")
        }
        seasonal = zip(season, seasonSensitivity).flatMap { [$0, $1] }
    }
}
