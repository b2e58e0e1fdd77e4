@testable import DashboardPlugin
import SluiceSDK
import XCTest

/// The JSON of `/api/series` and of the event stream, as the page reads it.
final class SeriesJSONTests: XCTestCase {
    func testTheJSONThePageReads() throws {
        var state = DashboardState(fields: ["temp"], limits: WindowLimits(points: 10, keys: 10, alerts: 10))
        var delta = SeriesDelta()
        state.record(Reading(key: "a\"b", time: 1, values: [2.5], forecasts: [ForecastOverlay(from: 1, steps: [
            PredictedStep(time: 2, value: 3, lower80: 2, upper80: 4, lower95: 1, upper95: 5)])]), into: &delta)
        state.record(AlertMark(time: 1, name: "n", rule: "r", state: .cleared, value: .nan), key: "a\"b", field: "temp", into: &delta)
        let update = try JSONParser.parse(String(decoding: SeriesJSON.delta(delta, fields: state.fields), as: UTF8.self))
        XCTAssertEqual(update, [
            "evicted": [],
            "keys": [["key": "a\"b", "fields": ["temp": [
                "points": [[1, 2.5]], "predicted": [[2, 3, 2, 4, 1, 5]], "forecast": ["from": 1, "steps": [[2, 3, 2, 4, 1, 5]]],
                "alerts": [["time": 1, "name": "n", "rule": "r", "state": "cleared", "value": nil]],
            ]]]],
        ])
        let snapshot = try JSONParser.parse(String(decoding: SeriesJSON.snapshot(state, title: "T"), as: UTF8.self))
        XCTAssertEqual(snapshot["title"], "T")
        XCTAssertEqual(snapshot["limits"], ["points": 10, "keys": 10, "alerts": 10])
        XCTAssertEqual(snapshot["keys"], update["keys"])
    }
}
