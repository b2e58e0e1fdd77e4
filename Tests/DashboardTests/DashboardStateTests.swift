import DashboardPlugin
import XCTest

/// Keys, their windows, the key cap and the deltas the page is sent, as values.
final class DashboardStateTests: XCTestCase {
    let limits = WindowLimits(points: 3, keys: 2, alerts: 2)

    func reading(_ key: String, _ t: Int64, _ a: Double?, _ b: Double? = nil, forecast: ForecastOverlay? = nil) -> Reading {
        Reading(key: key, time: t, values: [a, b], forecasts: [forecast, nil])
    }

    func step(_ t: Int64, _ v: Double) -> PredictedStep {
        PredictedStep(time: t, value: v, lower80: v - 1, upper80: v + 1, lower95: v - 2, upper95: v + 2)
    }

    func testEachKeyHasItsOwnBoundedWindowPerField() {
        var state = DashboardState(fields: ["temp", "turbidity"], limits: limits)
        var delta = SeriesDelta()
        for t in Int64(1) ... 5 { state.record(reading("a", t, Double(t), Double(-t)), into: &delta) }
        state.record(reading("b", 1, 100), into: &delta)
        XCTAssertEqual(state.keys, ["a", "b"])
        XCTAssertEqual(state.series("a", 0)?.points.items.map(\.value), [3, 4, 5])
        XCTAssertEqual(state.series("a", 1)?.points.items.map(\.value), [-3, -4, -5])
        XCTAssertEqual(state.series("b", 0)?.points.items.map(\.value), [100])
        XCTAssertEqual(state.series("b", 1)?.points.count, 0, "a missing value draws nothing")
        XCTAssertEqual(delta.keys, ["a", "b"])
        XCTAssertEqual(delta.changes(of: "a")?[0].points.count, 5, "the delta lists what was kept, the page trims as the sink does")
    }

    func testTheKeyCapEvictsTheLeastRecentlyUpdatedKey() {
        var state = DashboardState(fields: ["temp", "turbidity"], limits: limits)
        var first = SeriesDelta()
        state.record(reading("a", 1, 1), into: &first)
        state.record(reading("b", 1, 1), into: &first)
        state.record(reading("a", 2, 2), into: &first)
        var delta = SeriesDelta()
        state.record(reading("c", 1, 1), into: &delta)
        XCTAssertEqual(state.keys, ["a", "c"], "b was updated least recently")
        XCTAssertEqual(state.evictedKeys, 1)
        XCTAssertEqual(delta.evicted, ["b"])
        XCTAssertEqual(delta.keys, ["c"])
        XCTAssertEqual(state.keyCount, 2)
    }

    func testAKeyEvictedWithinABatchTakesItsChangesWithIt() {
        var state = DashboardState(fields: ["temp", "turbidity"], limits: WindowLimits(points: 3, keys: 1, alerts: 2))
        var delta = SeriesDelta()
        state.record(reading("a", 1, 1), into: &delta)
        state.record(reading("b", 1, 2), into: &delta)
        XCTAssertEqual(delta.evicted, ["a"])
        XCTAssertEqual(delta.keys, ["b"])
        XCTAssertNil(delta.changes(of: "a"))
    }

    func testForecastsOverlayTheNewestAndTheirFirstStepJoinsThePredictions() {
        var state = DashboardState(fields: ["temp", "turbidity"], limits: limits)
        var delta = SeriesDelta()
        let newer = ForecastOverlay(from: 20, steps: [step(30, 5), step(40, 6)])
        let stale = ForecastOverlay(from: 10, steps: [step(20, 4), step(30, 4.5)])
        state.record(reading("a", 20, 1, forecast: newer), into: &delta)
        var later = SeriesDelta()
        state.record(reading("a", 10, 1, forecast: stale), into: &later)
        let series = state.series("a", 0)!
        XCTAssertEqual(series.forecast, newer, "an older reading's forecast does not replace a newer one")
        XCTAssertEqual(series.predicted.items.map(\.time), [20, 30])
        XCTAssertNil(later.changes(of: "a")?[0].forecast)
        XCTAssertEqual(later.changes(of: "a")?[0].predicted, [step(20, 4)])
    }

    func testAlertsMarkTheirFieldAndAnUnknownFieldIsIgnored() {
        var state = DashboardState(fields: ["temp", "turbidity"], limits: limits)
        var delta = SeriesDelta()
        let mark = { (t: Int64) in AlertMark(time: t, name: "warm", rule: "value > 24", state: .opened, value: 25) }
        XCTAssertTrue(state.record(mark(1), key: "a", field: "turbidity", into: &delta))
        XCTAssertFalse(state.record(mark(1), key: "a", field: "salinity", into: &delta))
        for t in Int64(2) ... 4 { state.record(mark(t), key: "a", field: "turbidity", into: &delta) }
        XCTAssertEqual(state.series("a", 1)?.alerts.items.map(\.time), [3, 4], "max_alerts per key and field")
        XCTAssertEqual(state.series("a", 0)?.alerts.count, 0)
    }

    func testTheSnapshotIsEveryKeySortedWithEverythingHeld() {
        var state = DashboardState(fields: ["temp", "turbidity"], limits: limits)
        var delta = SeriesDelta()
        state.record(reading("z", 1, 1, 2, forecast: ForecastOverlay(from: 1, steps: [step(2, 1)])), into: &delta)
        state.record(reading("m", 1, 3), into: &delta)
        let snapshot = state.snapshot()
        XCTAssertEqual(snapshot.keys, ["m", "z"])
        XCTAssertEqual(snapshot.evicted, [])
        XCTAssertEqual(snapshot.changes(of: "z")?[0], state.series("z", 0)?.whole)
        XCTAssertEqual(snapshot.changes(of: "z")?[1].points, [SeriesPoint(time: 1, value: 2)])
    }
}
