import XCTest
@testable import ForecasterPlugin

final class SnapshotTests: XCTestCase {
    let hour = Synthetic.hour

    func make(models: [ModelKind] = ModelKind.allCases, season: Int = 24) throws -> KeyedForecasts {
        KeyedForecasts(settings: SeriesSettings(intervalMillis: hour, season: season, models: models, maxGap: 72),
                       fields: ["temp", "turbidity"], rules: [try AlertRule("value > 21 for 2 readings", intervalMillis: hour)])
    }

    /// Three keys, one still warming, with gaps and a missing value.
    func feed(_ f: inout KeyedForecasts, hours: Range<Int>) {
        for (k, key) in ["a", "b", "c"].enumerated() {
            let values = Synthetic.series(hours.upperBound, level: 18 + Double(k), amplitude: 2, noise: 0.3, seed: UInt64(k))
            let slot = f.slot(for: key)
            for i in hours where !(k == 2 && i < 60) && i % 17 != 5 {
                f.observe(slot, 0, time: Int64(i) * hour, value: values[i])
                f.observe(slot, 1, time: Int64(i) * hour, value: i % 13 == 0 ? nil : values[i] / 10)
            }
        }
    }

    func testRestoredStateGivesIdenticalNextForecasts() throws {
        var original = try make()
        feed(&original, hours: 0 ..< 200)
        var restored = try make()
        try restored.restore(original.snapshot())
        XCTAssertEqual(restored.keys, original.keys)
        // The same next readings into both: every forecast, interval and anomaly agrees to the bit.
        feed(&original, hours: 200 ..< 260)
        feed(&restored, hours: 200 ..< 260)
        var compared = 0
        for key in ["a", "b", "c"] {
            let so = original.slot(for: key)
            let sr = restored.slot(for: key)
            for f in 0 ..< 2 {
                XCTAssertEqual(original.series(so, f).model?.chosen, restored.series(sr, f).model?.chosen)
                for h in 1 ... 6 {
                    XCTAssertEqual(original.series(so, f).forecast(h), restored.series(sr, f).forecast(h), "\(key) \(f) +\(h)")
                    compared += 1
                }
            }
        }
        XCTAssertEqual(compared, 36)
        XCTAssertEqual(original.snapshot(), restored.snapshot())
    }

    func testAlertStateSurvivesTheRestart() throws {
        var f = try make(models: [.ewma], season: 1)
        let slot = f.slot(for: "k")
        f.observe(slot, 0, time: 0, value: 25)
        var restored = try make(models: [.ewma], season: 1)
        try restored.restore(f.snapshot())
        var events: [AlertEvent] = []
        // The streak of one reading above 21 was saved: the second one opens.
        restored.observe(restored.slot(for: "k"), 0, time: hour, value: 25) { events.append($0) }
        XCTAssertEqual(events.map(\.transition), [.opened])
    }

    func testCorruptAndForeignSnapshotsAreRefusedWhole() throws {
        var f = try make()
        feed(&f, hours: 0 ..< 100)
        let good = f.snapshot()
        var fresh = try make()
        let slot = fresh.slot(for: "untouched")

        func refused(_ bytes: [UInt8], _ expected: SnapshotError, _ note: String) throws {
            XCTAssertThrowsError(try fresh.restore(bytes), note) { XCTAssertEqual($0 as? SnapshotError, expected, note) }
            XCTAssertEqual(fresh.keys, ["untouched"], "a refused snapshot leaves the state as it was")
            XCTAssertEqual(fresh.slot(for: "untouched"), slot)
        }

        var flipped = good
        flipped[good.count / 2] ^= 0x10
        try refused(flipped, .checksumMismatch, "one flipped bit")
        try refused(Array(good.dropLast(9)), .checksumMismatch, "truncated")
        try refused(Array("{\"not\": \"ours\"}".utf8), .notASnapshot, "another file")
        try refused([], .notASnapshot, "empty")
        var newer = good
        newer[8] = 99
        try refused(newer, .unsupportedVersion(99), "a future format")
        // Format 2 (one tuner per constant, before the tuners kept E[e²] once per model) is not read as format 3.
        var older = good
        older[8] = 2
        try refused(older, .unsupportedVersion(2), "the format before the tuners were merged")
        XCTAssertEqual(SnapshotError.unsupportedVersion(2).description,
                       "snapshot format version 2 is not supported (this build reads 3 only; it was written by an older build)")

        // Written under other settings (another season): the fingerprint differs.
        var other = try make(season: 12)
        XCTAssertThrowsError(try other.restore(good)) { XCTAssertEqual($0 as? SnapshotError, .foreign) }
        XCTAssertEqual(SnapshotError.foreign.description.contains("different settings"), true)
    }

    func testReaderRefusesCountsLargerThanTheData() {
        var w = SnapshotWriter()
        w.write(Int(1 << 40))
        var r = SnapshotReader(w.bytes)
        XCTAssertThrowsError(try r.readDoubles())
    }

    func testEditedAlertRulesKeepTheModelsAndCloseTheAlerts() throws {
        var f = try make(models: [.ewma], season: 1)
        feed(&f, hours: 0 ..< 40)
        let slot = f.slot(for: "a")
        f.observe(slot, 0, time: 40 * hour, value: 30)
        f.observe(slot, 0, time: 41 * hour, value: 30)
        XCTAssertTrue(f.alertStates.contains { $0.isOpen })
        var edited = KeyedForecasts(settings: f.settings, fields: f.fields,
                                    rules: [try AlertRule("value > 25", intervalMillis: hour), try AlertRule("anomaly > 3", intervalMillis: hour)])
        XCTAssertFalse(try edited.restore(f.snapshot()), "the rules differ")
        XCTAssertEqual(edited.keys, f.keys)
        XCTAssertEqual(edited.forecast(edited.slot(for: "a"), 0, 1), f.forecast(slot, 0, 1), "models restored")
        XCTAssertEqual(edited.alertStates.count, 3 * 2 * 2)
        XCTAssertFalse(edited.alertStates.contains { $0.isOpen }, "alerts start closed")
        var same = try make(models: [.ewma], season: 1)
        XCTAssertTrue(try same.restore(f.snapshot()))
        XCTAssertEqual(same.alertStates, f.alertStates)
    }
}
