import XCTest
@testable import ForecasterPlugin

/// Prediction intervals hold their stated coverage on Gaussian noise.
final class IntervalTests: XCTestCase {
    func coverage(models: [ModelKind], season: Int, values: [Double], horizon: Int = 1) -> (c80: Double, c95: Double) {
        let settings = SeriesSettings(intervalMillis: Synthetic.hour, season: season, models: models, maxGap: 72)
        var series = Series()
        var pending: [Int: StepForecast] = [:]
        var inside80 = 0
        var inside95 = 0
        var n = 0
        for (i, y) in values.enumerated() {
            if let f = pending.removeValue(forKey: i), i > 500 {
                n += 1
                if y >= f.lower80, y <= f.upper80 { inside80 += 1 }
                if y >= f.lower95, y <= f.upper95 { inside95 += 1 }
            }
            _ = series.observe(time: Int64(i) * Synthetic.hour, value: y, settings)
            if let f = series.forecast(horizon) { pending[i + horizon] = f }
        }
        return (Double(inside80) / Double(n), Double(inside95) / Double(n))
    }

    func testOneStepCoverageOnASeasonalSeries() {
        let values = Synthetic.series(24 * 250, level: 10, amplitude: 2, noise: 1, seed: 21)
        let (c80, c95) = coverage(models: ModelKind.allCases, season: 24, values: values)
        XCTAssert((0.75 ... 0.85).contains(c80), "80% interval covered \(c80)")
        XCTAssert((0.92 ... 0.98).contains(c95), "95% interval covered \(c95)")
    }

    func testOneStepCoverageOfEachModelOnNoise() {
        let values = Synthetic.series(6000, level: 5, noise: 2, seed: 5)
        for kind in [ModelKind.ewma, .holt, .ar] {
            let (c80, c95) = coverage(models: [kind], season: 1, values: values)
            XCTAssert((0.75 ... 0.85).contains(c80), "\(kind): 80% interval covered \(c80)")
            XCTAssert((0.92 ... 0.98).contains(c95), "\(kind): 95% interval covered \(c95)")
        }
    }

    func testThreeStepIntervalsAreWiderAndStillCover() {
        let values = Synthetic.series(24 * 250, level: 10, amplitude: 2, noise: 1, seed: 22)
        let (c80, _) = coverage(models: [.holtWinters], season: 24, values: values, horizon: 3)
        XCTAssert((0.75 ... 0.87).contains(c80), "80% interval 3 steps ahead covered \(c80)")
        var series = Series()
        let settings = SeriesSettings(intervalMillis: Synthetic.hour, season: 24, models: [.holtWinters], maxGap: 72)
        for (i, y) in values.prefix(500).enumerated() { _ = series.observe(time: Int64(i) * Synthetic.hour, value: y, settings) }
        XCTAssertGreaterThanOrEqual(series.forecast(3)!.half80, series.forecast(1)!.half80)
    }
}
