import Foundation
import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// Each model on a series whose parameters are known: it recovers them, and
/// its one-step error is close to the noise, the floor no forecaster beats.
final class ModelTests: XCTestCase {
    func testEWMARecoversTheLevel() {
        let sigma = 0.5
        let values = Synthetic.series(3000, level: 20, noise: sigma)
        let (model, errors) = Synthetic.run(EWMA.self, values, warmup: 16)
        // An EWMA's level has standard deviation σ·√(α/(2-α)) around the true one.
        let spread = sigma * (model.alpha / (2 - model.alpha)).squareRoot()
        XCTAssertEqual(model.level, 20, accuracy: 4 * spread)
        // and its one-step error variance is σ²·(1 + α/(2-α)); past the first steps the gradient keeps α small.
        XCTAssertLessThan(Synthetic.rms(errors.suffix(2000)), 1.1 * sigma * (1 + model.alpha / (2 - model.alpha)).squareRoot())
        XCTAssertLessThan(model.alpha, 0.3, "white noise around a level wants a small α")
    }

    func testEWMAAlphaGrowsOnARandomWalk() {
        var random = SeededRandom(seed: 3)
        var y = 0.0
        let values = (0 ..< 3000).map { _ in
            y += random.gaussian()
            return y
        }
        let (model, errors) = Synthetic.run(EWMA.self, values, warmup: 16)
        // On a random walk the best forecast is the last value: α → 1, error → the step's σ = 1.
        XCTAssertGreaterThan(model.alpha, 0.8)
        XCTAssertLessThan(Synthetic.rms(errors.suffix(2000)), 1.1)
    }

    func testHoltRecoversLevelAndTrend() {
        let sigma = 0.5
        let values = Synthetic.series(3000, level: 5, trend: 0.1, noise: sigma)
        let (model, errors) = Synthetic.run(Holt.self, values, warmup: 16)
        XCTAssertEqual(model.trend, 0.1, accuracy: 0.02)
        XCTAssertEqual(model.level, 5 + 0.1 * 2999, accuracy: 3 * sigma)
        XCTAssertLessThan(Synthetic.rms(errors.suffix(2000)), 1.15 * sigma)
    }

    func testHoltWintersRecoversTrendAndSeason() {
        let sigma = 0.3
        let n = 24 * 60
        let values = Synthetic.series(n, level: 10, trend: 0.01, amplitude: 3, noise: sigma)
        let (earlier, _) = Synthetic.run(HoltWinters.self, Array(values[0 ..< n - 480]), warmup: 48, season: 24)
        let (model, errors) = Synthetic.run(HoltWinters.self, values, warmup: 48, season: 24)
        // The level moves at the true trend over the last 20 days (its noise over 480 steps is well under 0.003/step).
        XCTAssertEqual((model.deseasonalizedLevel - earlier.deseasonalizedLevel) / 480, 0.01, accuracy: 0.003)
        XCTAssertEqual(model.deseasonalizedLevel, 10 + 0.01 * Double(n - 1), accuracy: 3 * sigma)
        let mean = model.season.reduce(0, +) / 24
        for slot in 0 ..< 24 {
            XCTAssertEqual(model.season[slot] - mean, 3 * Synthetic.seasonal(slot, 24), accuracy: 2 * sigma, "slot \(slot)")
        }
        // A day ahead, the forecast follows the true curve.
        for h in 1 ... 24 {
            XCTAssertEqual(model.forecast(h), 10 + 0.01 * Double(n - 1 + h) + 3 * Synthetic.seasonal(n - 1 + h, 24), accuracy: 3 * sigma)
        }
        XCTAssertLessThan(Synthetic.rms(errors.suffix(24 * 30)), 1.2 * sigma)
    }

    func testHoltWintersSeasonFollowsTheClockSlot() {
        // The same series starting 5 slots later must put the same offsets on the same clock slots.
        let values = Synthetic.series(24 * 20 + 5, level: 10, amplitude: 3, noise: 0.1)
        let late = Array(values[5...])
        let a = HoltWinters.fit(Array(values[0 ..< 48]), firstSlot: 0, season: 24).model
        let b = HoltWinters.fit(Array(late[0 ..< 48]), firstSlot: 5, season: 24).model
        for slot in 0 ..< 24 { XCTAssertEqual(a.season[slot], b.season[slot], accuracy: 0.3) }
    }

    func testARRecoversCoefficientsOfTheChanges() {
        // A level whose hourly changes follow d_t = 0.05 + 0.6·d_{t-1} - 0.3·d_{t-2} + N(0, 1).
        var random = SeededRandom(seed: 11)
        var changes = [0.0, 0.0]
        var values = [100.0, 100.0]
        for _ in 0 ..< 6000 {
            let n = changes.count
            let mean: Double = 0.05 + 0.6 * changes[n - 1] - 0.3 * changes[n - 2]
            changes.append(mean + random.gaussian())
            values.append(values[n - 1] + changes[n])
        }
        let (model, errors) = Synthetic.run(AutoRegressive.self, values, warmup: 16)
        // With forgetting 0.999 about 1000 steps count: each coefficient's standard error is about 1/√1000.
        XCTAssertEqual(model.coefficients[1], 0.6, accuracy: 0.1)
        XCTAssertEqual(model.coefficients[2], -0.3, accuracy: 0.1)
        XCTAssertEqual(model.coefficients[3], 0, accuracy: 0.1)
        // Far ahead the level drifts by the changes' mean, 0.05 / (1 - 0.6 + 0.3) per step.
        XCTAssertEqual(model.forecast(300) - model.forecast(200), 100 * 0.05 / 0.7, accuracy: 3)
        XCTAssertLessThan(Synthetic.rms(errors.suffix(4000)), 1.1)
    }

    func testARMultiStepForecastIteratesTheRecursion() {
        var model = AutoRegressive.fit([1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4], firstSlot: 0, season: 1).model
        model.observe(3)
        // A skipped step feeds forecast(1) into the lags, so what follows it is forecast(2).
        var copy = model
        let one = copy.forecast(1)
        copy.skip()
        XCTAssertEqual(copy.forecast(1), model.forecast(2), accuracy: 1e-9)
        XCTAssertEqual(model.forecast(1), one)
    }

    func testAutoPicksTheSeasonalModelOnASeasonalSeries() {
        let values = Synthetic.series(24 * 30, level: 10, amplitude: 3, noise: 0.3)
        var auto = AutoModel(kinds: ModelKind.allCases, window: Array(values[0 ..< 48]), firstSlot: 0, season: 24)
        for y in values[48...] { _ = auto.observe(y) }
        XCTAssert([.holtWinters, .ar].contains(auto.chosen), "chose \(auto.chosen)")
        XCTAssertLessThan(auto.recentError(of: auto.chosen)!, auto.recentError(of: .ewma)!)
    }
}
