/// Finds a series' season length in its warm-up window: the lag, in grid
/// steps, at which the detrended series' autocorrelation peaks.
///
/// A season shows as an autocorrelation that falls away from lag 0, dips
/// (half a season out of phase) and rises again to a peak at the season
/// length. A series without one has an autocorrelation that only decays,
/// up to sampling noise, which a drifting level (a random walk) makes wavy
/// at long lags. So a lag counts only if its autocorrelation peaks, is
/// clearly positive and rises well above the dip before it, and if the
/// value one season back is much closer to today's than the value half a
/// season back (out of phase), where a drifting level only grows apart
/// with the lag. Otherwise
/// there is no season (1), never a guessed one.
public enum SeasonDetector {
    /// The peak's autocorrelation must reach this…
    static let minimumPeak = 0.3
    /// …and rise at least this far above the lowest autocorrelation at a shorter lag.
    static let minimumRise = 0.3
    /// The mean squared difference at the season must be at most this share of the one at half the season.
    static let maximumDifferenceRatio = 0.5
    /// A shorter lag whose peak is this close to the best one wins: the
    /// season, not its multiple (lag 24 and lag 48 both peak on a daily cycle).
    static let harmonicTolerance = 0.9

    /// The season length in 2 … `maxSeason` steps, or 1 when the window
    /// shows none. NaN marks a missing step; pairs with a missing side are
    /// left out. The window should hold three of the longest season:
    /// in two, a drifting level's one slow wave can pass for a season.
    public static func detect(_ window: [Double], maxSeason: Int) -> Int {
        let x = detrended(window)
        let maxLag = min(maxSeason, x.count / 3)
        guard maxLag >= 2 else { return 1 }
        let lags = 0 ... x.count * 2 / 3
        let acf = lags.map { autocorrelation(x, lag: $0) }
        // Each lag scored by the mean autocorrelation at its multiples: a season a step off
        // (23 for 24) drifts out of phase at its multiples, the season does not. Per pair,
        // so a lag whose multiples stop short of the longest ones is not favoured.
        let perPair = lags.map { autocorrelation(x, lag: $0, perPair: true) }
        let comb = (0 ... maxLag + 1).map { k in
            k == 0 ? 1 : stride(from: k, to: perPair.count, by: k).reduce(0.0) { $0 + perPair[$1] } / Double((perPair.count - 1) / k)
        }
        var peaks: [(lag: Int, score: Double)] = []
        var lowest = acf[1]
        for k in 2 ... maxLag {
            lowest = min(lowest, acf[k - 1])
            let score = comb[k]
            guard score >= comb[k - 1], score >= comb[k + 1], acf[k] >= minimumPeak, acf[k] - lowest >= minimumRise,
                  meanSquaredDifference(x, lag: k) <= maximumDifferenceRatio * meanSquaredDifference(x, lag: k / 2) else { continue }
            peaks.append((k, score))
        }
        guard let best = peaks.max(by: { $0.score < $1.score }) else { return 1 }
        return peaks.first { $0.score >= harmonicTolerance * best.score }!.lag
    }

    /// The window less its least-squares line (over the present steps), so a
    /// trend does not read as correlation at every lag.
    static func detrended(_ window: [Double]) -> [Double] {
        var n = 0.0, st = 0.0, sy = 0.0, stt = 0.0, sty = 0.0
        for (t, y) in window.enumerated() where !y.isNaN {
            let t = Double(t)
            n += 1
            st += t
            sy += y
            stt += t * t
            sty += t * y
        }
        guard n >= 2 else { return window }
        let d = n * stt - st * st
        let slope = d > 0 ? (n * sty - st * sy) / d : 0
        let intercept = (sy - slope * st) / n
        return window.enumerated().map { $1 - (intercept + slope * Double($0)) }
    }

    /// The sample autocorrelation at `lag` over the pairs where both sides
    /// are present, divided by the present count (the usual estimator: its
    /// long lags, with few pairs, shrink instead of being noisy), or with
    /// `perPair` by the number of pairs (unbiased, noisier).
    static func autocorrelation(_ x: [Double], lag: Int, perPair: Bool = false) -> Double {
        var sum = 0.0, sumSquares = 0.0, products = 0.0, count = 0.0, pairs = 0.0
        for v in x where !v.isNaN {
            sum += v
            sumSquares += v * v
            count += 1
        }
        guard count > 1 else { return 0 }
        let mean = sum / count
        let variance = sumSquares / count - mean * mean
        guard variance > 1e-300 else { return 0 }
        for t in lag ..< x.count where !x[t].isNaN && !x[t - lag].isNaN {
            products += (x[t] - mean) * (x[t - lag] - mean)
            pairs += 1
        }
        return products / (perPair ? max(pairs, 1) : count) / variance
    }

    /// The mean of (x[t] - x[t - lag])² over the pairs where both sides are present.
    static func meanSquaredDifference(_ x: [Double], lag: Int) -> Double {
        var sum = 0.0, pairs = 0.0
        for t in lag ..< x.count where !x[t].isNaN && !x[t - lag].isNaN {
            let d = x[t] - x[t - lag]
            sum += d * d
            pairs += 1
        }
        return pairs == 0 ? .infinity : sum / pairs
    }
}
