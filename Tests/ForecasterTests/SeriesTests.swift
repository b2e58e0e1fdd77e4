import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// Irregular times on the grid, gaps, missing values and a new season.
final class SeriesTests: XCTestCase {
    let hour = Synthetic.hour
    let settings = SeriesSettings(intervalMillis: 3_600_000, season: 24, models: [.holtWinters], maxGap: 72)

    /// A series fed hourly `values` from slot `start`.
    func fed(_ values: [Double], from start: Int64 = 0) -> Series {
        var series = Series()
        for (i, y) in values.enumerated() { _ = series.observe(time: (start + Int64(i)) * hour, value: y, settings) }
        return series
    }

    func testIrregularTimesLandOnTheNearestSlot() {
        XCTAssertEqual(settings.slot(of: 10 * hour + 29 * 60_000), 10)
        XCTAssertEqual(settings.slot(of: 10 * hour + 31 * 60_000), 11)
        XCTAssertEqual(settings.slot(of: -hour - 1), -1, "before the epoch rounds the same way")
        var series = fed(Synthetic.series(100, level: 10, amplitude: 2, noise: 0.1))
        _ = series.observe(time: 100 * hour + 20 * 60_000, value: 10, settings)
        XCTAssertEqual(series.lastSlot, 100)
        let late = series.observe(time: 100 * hour - 15 * 60_000, value: 99, settings)
        XCTAssertTrue(late.stale, "a second reading in the same slot is not learned")
        XCTAssertEqual(series.lastSlot, 100)
    }

    func testWarmupThenForecasts() {
        var series = Series()
        let values = Synthetic.series(48, level: 10, amplitude: 2, noise: 0.1)
        for (i, y) in values.enumerated() {
            XCTAssertNil(series.forecast(1), "no forecast before the warm-up window is full (step \(i))")
            XCTAssertEqual(series.warmupRemaining(settings), 48 - i)
            _ = series.observe(time: Int64(i) * hour, value: y, settings)
        }
        XCTAssertNotNil(series.forecast(1))
    }

    func testMissingValuesChangeNothing() {
        var series = fed(Synthetic.series(100, level: 10, amplitude: 2, noise: 0.1))
        let before = series.forecast(3)
        let step = series.observe(time: 100 * hour, value: nil, settings)
        XCTAssertNil(step.anomaly)
        XCTAssertEqual(series.lastSlot, 99)
        XCTAssertEqual(series.forecast(3), before)
        _ = series.observe(time: 101 * hour, value: .nan, settings)
        XCTAssertEqual(series.forecast(3), before, "NaN is missing too")
    }

    func testSentinelsAreMissing() throws {
        let config = try ForecastConfig(Config(json: #"{"value_fields": ["t"], "interval": "1h", "sentinels": [-99999.992]}"#))
        XCTAssertTrue(config.isSentinel(Double("-99999.992")!))
        XCTAssertTrue(config.isSentinel(-99999.992000001))
        XCTAssertFalse(config.isSentinel(-99999.9))
        XCTAssertFalse(config.isSentinel(0))
    }

    func testAGapAdvancesTheStateWithoutInventingValues() {
        // Level 20, daily season of ±3: if missing steps were zeros the level would collapse.
        let values = Synthetic.series(24 * 10, level: 20, amplitude: 3, noise: 0.1)
        var series = fed(values)
        let expected = series.forecast(10)!.value
        let truth = 20 + 3 * Synthetic.seasonal(24 * 10 + 9, 24)
        let step = series.observe(time: Int64(24 * 10 + 9) * hour, value: truth, settings)
        XCTAssertFalse(step.rewarmed)
        XCTAssertEqual(series.lastSlot, Int64(24 * 10 + 9))
        // The reading after 9 missing steps is scored against the 10-step forecast, which was right.
        XCTAssertEqual(expected, truth, accuracy: 0.5)
        XCTAssertLessThan(abs(step.anomaly!), 4)
        // And the season stays in phase: the next step's forecast follows the sine.
        XCTAssertEqual(series.forecast(1)!.value, 20 + 3 * Synthetic.seasonal(24 * 10 + 10, 24), accuracy: 0.5)
    }

    func testANewSeasonAfterAWinterGapRewarms() {
        var series = fed(Synthetic.series(24 * 10, level: 22, amplitude: 3, noise: 0.1))
        XCTAssertNotNil(series.model)
        // Back 200 days later, colder: the old state must not be used.
        let start = Int64(24 * 210)
        let spring = Synthetic.series(48, level: 8, amplitude: 1, noise: 0.1, seed: 9)
        let first = series.observe(time: start * hour, value: spring[0], settings)
        XCTAssertTrue(first.rewarmed)
        XCTAssertNil(series.model)
        XCTAssertNil(series.forecast(1))
        for (i, y) in spring.enumerated().dropFirst() {
            XCTAssertFalse(series.observe(time: (start + Int64(i)) * hour, value: y, settings).rewarmed)
        }
        XCTAssertEqual(series.forecast(1)!.value, 8 + Synthetic.seasonal(24 * 210 + 48, 24), accuracy: 0.5)
    }

    func testAGapShorterThanMaxGapKeepsTheModel() {
        var series = fed(Synthetic.series(24 * 10, level: 22, amplitude: 3, noise: 0.1))
        let step = series.observe(time: Int64(24 * 10 + 72) * hour, value: 22, settings)
        XCTAssertFalse(step.rewarmed)
        XCTAssertNotNil(step.anomaly)
    }

    func testACopiedSeriesIsIndependent() {
        var a = fed(Synthetic.series(100, level: 10, amplitude: 2, noise: 0.1))
        let b = a
        let before = b.forecast(1)
        _ = a.observe(time: 100 * hour, value: 50, settings)
        XCTAssertEqual(b.forecast(1), before, "the copy keeps its own models")
        XCTAssertNotEqual(a.forecast(1), before)
    }

    func testALateReadingFillsItsGapDuringTheWarmup() {
        var series = Series()
        _ = series.observe(time: 0, value: 10, settings)
        _ = series.observe(time: 3 * hour, value: 13, settings)
        XCTAssertEqual(series.warmupRemaining(settings), 44, "slots 0 to 3, two of them missing")
        XCTAssertFalse(series.observe(time: 1 * hour, value: 11, settings).stale, "fills slot 1")
        XCTAssertTrue(series.observe(time: 1 * hour, value: 99, settings).stale, "slot 1 is taken now")
        XCTAssertTrue(series.observe(time: -5 * hour, value: 99, settings).stale, "before the window")
        XCTAssertEqual(series.window.prefix(4).map { $0.isNaN ? -1 : $0 }, [10, 11, -1, 13])
        XCTAssertEqual(series.lastSlot, 3)
    }
}
