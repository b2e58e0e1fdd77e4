import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// `season: auto`: the season found in a warm-up window, and none invented
/// where there is none.
final class SeasonDetectionTests: XCTestCase {
    let hour = Synthetic.hour

    func testFindsSeasonsOfTwelveAndTwentyFour() {
        for seed in UInt64(1) ... 5 {
            for season in [12, 24] {
                let window = Synthetic.series(144, level: 15, trend: 0.02, amplitude: 2, season: season, noise: 0.5, seed: seed)
                XCTAssertEqual(SeasonDetector.detect(window, maxSeason: 48), season, "season \(season), seed \(seed)")
            }
        }
    }

    func testFindsTheSeasonThroughMissingSteps() {
        var window = Synthetic.series(144, level: 15, amplitude: 2, season: 24, noise: 0.3, seed: 3)
        for i in stride(from: 5, to: 144, by: 7) { window[i] = .nan }
        XCTAssertEqual(SeasonDetector.detect(window, maxSeason: 48), 24)
    }

    func testInventsNoSeason() {
        for seed in UInt64(1) ... 20 {
            var random = SeededRandom(seed: seed)
            var level = 20.0
            // A drifting level (a random walk) under noise, the shape that most often fakes a cycle.
            let walk = (0 ..< 144).map { _ -> Double in
                level += 0.3 * random.gaussian()
                return level + 0.2 * random.gaussian()
            }
            XCTAssertEqual(SeasonDetector.detect(walk, maxSeason: 48), 1, "random walk, seed \(seed)")
            let noise = Synthetic.series(144, level: 10, trend: 0.05, noise: 1, seed: seed)
            XCTAssertEqual(SeasonDetector.detect(noise, maxSeason: 48), 1, "trend and noise, seed \(seed)")
        }
        XCTAssertEqual(SeasonDetector.detect([Double](repeating: 4, count: 144), maxSeason: 48), 1, "a stuck sensor")
    }

    func testEachSeriesFitsWithTheSeasonFoundInItsWindow() {
        let settings = SeriesSettings(intervalMillis: hour, season: 1, models: ModelKind.allCases, maxGap: 144, maxSeason: 48)
        var daily = Series()
        var flat = Series()
        let cycle = Synthetic.series(24 * 10, level: 20, amplitude: 3, season: 24, noise: 0.2, seed: 4)
        let plain = Synthetic.series(24 * 10, level: 20, noise: 0.2, seed: 4)
        for i in cycle.indices {
            _ = daily.observe(time: Int64(i) * hour, value: cycle[i], settings)
            _ = flat.observe(time: Int64(i) * hour, value: plain[i], settings)
        }
        XCTAssertEqual(daily.season, 24)
        XCTAssertNotNil(daily.model?.recentError(of: .holtWinters), "holt-winters is a candidate with the season found")
        XCTAssertEqual(flat.season, 1)
        XCTAssertNil(flat.model?.recentError(of: .holtWinters), "no season found: no holt-winters")
        XCTAssertNotNil(flat.model?.recentError(of: .ewma))
    }

    func testHoltWintersAloneFallsBackToHoltWithoutASeason() {
        let settings = SeriesSettings(intervalMillis: hour, season: 1, models: [.holtWinters], maxGap: 144, maxSeason: 48)
        var series = Series()
        for (i, y) in Synthetic.series(200, level: 20, noise: 0.2, seed: 8).enumerated() {
            _ = series.observe(time: Int64(i) * hour, value: y, settings)
        }
        XCTAssertEqual(series.season, 1)
        XCTAssertEqual(series.chosenModel, .holt)
    }
}
