import XCTest
@testable import ForecasterPlugin

final class AlertTests: XCTestCase {
    let hour = Synthetic.hour

    func testRulesParse() throws {
        let a = try AlertRule("value > 30", intervalMillis: hour)
        XCTAssertEqual(a.subject, .value)
        XCTAssertEqual(a.comparison, .greater)
        XCTAssertEqual(a.threshold, 30)
        XCTAssertEqual(a.readings, 1)
        let b = try AlertRule("forecast(+3h) < 10", intervalMillis: hour)
        XCTAssertEqual(b.subject, .forecast(steps: 3))
        XCTAssertEqual(b.comparison, .less)
        XCTAssertEqual(try AlertRule("forecast(+90m) <= 10", intervalMillis: hour).subject, .forecast(steps: 2))
        XCTAssertEqual(try AlertRule("forecast(+4) >= 1.5", intervalMillis: hour).subject, .forecast(steps: 4))
        let c = try AlertRule("anomaly > 4 for 3 readings", intervalMillis: hour)
        XCTAssertEqual(c.subject, .anomaly)
        XCTAssertEqual(c.readings, 3)
        XCTAssertEqual(c.threshold, 4)
        XCTAssertEqual(try AlertRule("value>=-2.5", intervalMillis: hour).threshold, -2.5)
    }

    func testBadRulesAreRefusedWithTheirReason() {
        for bad in ["temp > 3", "value > ", "value = 3", "value > 3 for x readings", "value > 3 for 0 readings",
                    "forecast(+soon) > 1", "value > 3 because"]
        {
            XCTAssertThrowsError(try AlertRule(bad, intervalMillis: hour), bad) { error in
                XCTAssertTrue("\(error)".contains(bad), "\(error)")
            }
        }
    }

    func testHysteresisNeedsConsecutiveReadings() {
        var state = AlertState()
        // A single spike, and two in a row, open nothing when the rule needs 3.
        for holds in [false, true, false, true, true, false] { XCTAssertNil(state.update(holds: holds, readings: 3)) }
        XCTAssertNil(state.update(holds: true, readings: 3))
        XCTAssertNil(state.update(holds: true, readings: 3))
        XCTAssertEqual(state.update(holds: true, readings: 3), .opened)
        XCTAssertTrue(state.isOpen)
        // A single dip does not clear it; three in a row do.
        XCTAssertNil(state.update(holds: false, readings: 3))
        XCTAssertNil(state.update(holds: true, readings: 3))
        XCTAssertNil(state.update(holds: false, readings: 3))
        XCTAssertNil(state.update(holds: false, readings: 3))
        XCTAssertEqual(state.update(holds: false, readings: 3), .cleared)
        XCTAssertFalse(state.isOpen)
    }

    func testASingleSpikeGivesNoOpenClearPair() throws {
        let rule = try AlertRule("anomaly > 4 for 3 readings", intervalMillis: hour)
        var forecasts = KeyedForecasts(settings: SeriesSettings(intervalMillis: hour, season: 24, models: [.holtWinters], maxGap: 72),
                                       fields: ["t"], rules: [rule])
        var events: [AlertEvent] = []
        var values = Synthetic.series(24 * 20, level: 20, amplitude: 3, noise: 0.2)
        values[300] += 10
        let slot = forecasts.slot(for: "Montrose")
        var spikeScore = 0.0
        for (i, y) in values.enumerated() {
            let step = forecasts.observe(slot, 0, time: Int64(i) * hour, value: y) { events.append($0) }
            if i == 300 { spikeScore = step.anomaly! }
        }
        XCTAssertGreaterThan(spikeScore, 4, "the spike is an anomaly")
        XCTAssertEqual(events, [], "but one reading does not open a 3-reading rule")
    }

    func testASustainedBreachOpensThenClearsWithKeyRuleValueAndTime() throws {
        let rule = try AlertRule("value > 30 for 2 readings", intervalMillis: hour)
        var forecasts = KeyedForecasts(settings: SeriesSettings(intervalMillis: hour, season: 1, models: [.ewma], maxGap: 72),
                                       fields: ["Water Temperature", "Turbidity"], rules: [rule])
        var events: [AlertEvent] = []
        let slot = forecasts.slot(for: "Calumet Beach")
        for (i, y) in [25.0, 31, 29, 31, 32, 33, 28, 31, 27, 26].enumerated() {
            forecasts.observe(slot, 0, time: Int64(i) * hour, value: y) { events.append($0) }
            forecasts.observe(slot, 1, time: Int64(i) * hour, value: 1) { events.append($0) }
        }
        XCTAssertEqual(events.map(\.transition), [.opened, .cleared])
        XCTAssertEqual(events[0].key, "Calumet Beach")
        XCTAssertEqual(events[0].field, "Water Temperature")
        XCTAssertEqual(events[0].rule.text, "value > 30 for 2 readings")
        XCTAssertEqual(events[0].value, 32)
        XCTAssertEqual(events[0].time, 4 * hour)
        XCTAssertEqual(events[1].value, 26)
        XCTAssertEqual(events[1].time, 9 * hour)
    }

    func testForecastRuleUsesTheForecastAtItsOffset() throws {
        let rule = try AlertRule("forecast(+3h) < 10", intervalMillis: hour)
        var forecasts = KeyedForecasts(settings: SeriesSettings(intervalMillis: hour, season: 1, models: [.holt], maxGap: 72),
                                       fields: ["t"], rules: [rule])
        var events: [AlertEvent] = []
        let slot = forecasts.slot(for: "k")
        // Falling 1 per hour from 40: forecast(+3) < 10 first when the reading is below 13.
        for i in 0 ..< 40 { forecasts.observe(slot, 0, time: Int64(i) * hour, value: 40 - Double(i)) { events.append($0) } }
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.transition, .opened)
        XCTAssertEqual(events.first?.reading ?? 0, 12, accuracy: 1)
        XCTAssertLessThan(events.first?.value ?? 99, 10)
    }

    func testRecordsWithoutTheFieldDoNotCountTowardARule() throws {
        let rule = try AlertRule("forecast(+1) > 5 for 2 readings", intervalMillis: hour)
        var forecasts = KeyedForecasts(settings: SeriesSettings(intervalMillis: hour, season: 1, models: [.ewma], maxGap: 72),
                                       fields: ["t"], rules: [rule])
        var events: [AlertEvent] = []
        let slot = forecasts.slot(for: "k")
        for i in 0 ..< 16 { forecasts.observe(slot, 0, time: Int64(i) * hour, value: 10) { events.append($0) } }
        XCTAssertEqual(events, [], "one reading with a forecast so far")
        for i in 16 ..< 24 { forecasts.observe(slot, 0, time: Int64(i) * hour, value: nil) { events.append($0) } }
        XCTAssertEqual(events, [], "missing readings are no news")
        forecasts.observe(slot, 0, time: 24 * hour, value: 10) { events.append($0) }
        XCTAssertEqual(events.map(\.transition), [.opened])
    }
}
