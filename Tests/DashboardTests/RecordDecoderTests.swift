@testable import DashboardPlugin
import SluiceSDK
import XCTest

/// What the sink reads from a record: key, time, values, the forecaster's
/// forecast, and alert records; and the config that drives it.
final class RecordDecoderTests: XCTestCase {
    let decoder = RecordDecoder(keyFields: ["beach"], valueFields: ["temp", "turbidity"], timeField: "at", sentinels: [-99999.992])

    func document(_ body: (inout BSONWriter) -> Void) -> [UInt8] {
        var w = BSONWriter()
        body(&w)
        return w.finish()
    }

    func decode(_ bytes: [UInt8], eventTime: Int64? = nil, using decoder: RecordDecoder? = nil) -> Result<Reading, DecodeFailure> {
        bytes.withUnsafeBytes { (decoder ?? self.decoder).reading(BSONDocument($0), eventTime: eventTime, key: nil) }
    }

    func testReadsKeyTimeAndValuesSkippingSentinels() throws {
        let bytes = document {
            $0.append("beach", string: "Montrose")
            $0.append("at", datetime: 1_000)
            $0.append("temp", double: 20.5)
            $0.append("turbidity", double: -99999.992)
        }
        let reading = try decode(bytes).get()
        XCTAssertEqual(reading.key, "Montrose")
        XCTAssertEqual(reading.time, 1_000)
        XCTAssertEqual(reading.values, [20.5, nil])
        XCTAssertEqual(reading.forecasts, [nil, nil])
    }

    func testTimeFromAnISOStringOrEpochMillisAndKeysJoined() throws {
        let joined = RecordDecoder(keyFields: ["site", "n"], valueFields: ["temp"], timeField: "at")
        let iso = document {
            $0.append("site", string: "A")
            $0.append("n", int32: 7)
            $0.append("at", string: "2020-01-01T00:00:01Z")
            $0.append("temp", string: "12.5")
        }
        let reading = try decode(iso, using: joined).get()
        XCTAssertEqual(reading.key, "A / 7")
        XCTAssertEqual(reading.time, 1_577_836_801_000)
        XCTAssertEqual(reading.values, [12.5], "a numeric string counts (CSV without type inference)")
        let epoch = document {
            $0.append("at", int64: 42)
            $0.append("temp", int32: 3)
        }
        XCTAssertEqual(try decode(epoch, using: joined).get().time, 42)
    }

    func testWithoutATimeTheRecordIsRefusedWithTheReason() {
        let bytes = document { $0.append("temp", double: 1) }
        guard case let .failure(failure) = decode(bytes) else { return XCTFail("decoded a record without time") }
        XCTAssertEqual(failure.reason, "no time: field 'at' missing or not a date")
        let byEventTime = RecordDecoder(keyFields: [], valueFields: ["temp"], timeField: nil)
        XCTAssertEqual(try decode(bytes, eventTime: 99, using: byEventTime).get().time, 99)
    }

    func testReadsTheForecastersForecastAndIgnoresAWarmingOne() throws {
        let bytes = document {
            $0.append("beach", string: "Montrose")
            $0.append("at", datetime: 3_600_000)
            $0.append("temp", double: 20)
            $0.appendDocument("forecast") { f in
                f.appendDocument("temp") { t in
                    t.append("status", string: "ok")
                    t.appendArray("at") { a in a.append("0", datetime: 7_200_000); a.append("1", datetime: 10_800_000) }
                    for (name, base) in [("value", 20.0), ("lower80", 19.0), ("upper80", 21.0), ("lower95", 18.0), ("upper95", 22.0)] {
                        t.appendArray(name) { a in a.append("0", double: base); a.append("1", double: base + 0.5) }
                    }
                }
                f.appendDocument("turbidity") { t in
                    t.append("status", string: "warming")
                    t.append("warmup_remaining", int64: 3)
                }
            }
        }
        let reading = try decode(bytes).get()
        let overlay = try XCTUnwrap(reading.forecasts[0])
        XCTAssertEqual(overlay.from, 3_600_000)
        XCTAssertEqual(overlay.steps, [
            PredictedStep(time: 7_200_000, value: 20, lower80: 19, upper80: 21, lower95: 18, upper95: 22),
            PredictedStep(time: 10_800_000, value: 20.5, lower80: 19.5, upper80: 21.5, lower95: 18.5, upper95: 22.5),
        ])
        XCTAssertNil(reading.forecasts[1])
    }

    func testReadsAForecasterAlertRecord() throws {
        let bytes = document {
            $0.append("key", string: "Montrose")
            $0.append("field", string: "temp")
            $0.append("rule", string: "value > 24 for 3 readings")
            $0.append("name", string: "warm water")
            $0.append("state", string: "opened")
            $0.append("value", double: 25.1)
            $0.append("time", datetime: 5_000)
        }
        let alert = try bytes.withUnsafeBytes { try decoder.alert(BSONDocument($0), eventTime: nil).get() }
        XCTAssertEqual(alert.key, "Montrose")
        XCTAssertEqual(alert.field, "temp")
        XCTAssertEqual(alert.mark, AlertMark(time: 5_000, name: "warm water", rule: "value > 24 for 3 readings", state: .opened, value: 25.1))
        let notAnAlert = document { $0.append("temp", double: 1) }
        XCTAssertThrowsError(try notAnAlert.withUnsafeBytes { try decoder.alert(BSONDocument($0), eventTime: 1).get() })
    }

    func testTheSchemaDeclaresEveryKeyWithItsDefault() throws {
        let schema = try XCTUnwrap(JSONParser.parse(DashboardConfig.schema).object)
        let properties = try XCTUnwrap(schema["properties"]?.object)
        XCTAssertEqual(properties.keys, ["listen", "title", "key_fields", "value_fields", "time_field", "window", "max_keys",
                                         "max_alerts", "sentinels", "alert_inputs"])
        XCTAssertEqual(properties["window"]?["description"]?.string, "readings kept per key and field; the oldest by time leave first (default: 500)")
        XCTAssertEqual(properties["listen"]?["description"]?.string?.hasSuffix("(default: 127.0.0.1:8090)"), true)
        XCTAssertEqual(schema["required"], ["value_fields"])
    }

    func testConfigDefaultsAndAlertInputs() throws {
        let config = try DashboardConfig(Config(json: #"{"value_fields": ["temp"]}"#), inputNames: ["clean", "forecast.alerts"])
        XCTAssertEqual(config.listen, HostPort("127.0.0.1:8090"))
        XCTAssertEqual(config.limits, WindowLimits(points: 500, keys: 100, alerts: 50))
        XCTAssertEqual(config.alertPorts, [1], "an input named NAME.alerts carries alerts")
        let named = try DashboardConfig(Config(json: #"{"value_fields": ["temp"], "alert_inputs": ["marks"]}"#), inputNames: ["clean", "marks"])
        XCTAssertEqual(named.alertPorts, [1])
        XCTAssertThrowsError(try DashboardConfig(Config(json: #"{"value_fields": ["temp"], "alert_inputs": ["nope"]}"#), inputNames: ["clean"])) {
            XCTAssertTrue("\($0)".contains("alert_inputs: 'nope' is not one of this sink's inputs (clean)"), "\($0)")
        }
    }

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
