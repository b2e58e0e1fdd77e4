@testable import DashboardPlugin
import SluiceSDK
import XCTest

/// What the sink reads from a record: key, time, values, the forecaster's
/// forecast, and alert records.
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
}
