import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `workers: N` on processors and sinks: nothing lost or duplicated, per-key
/// order kept where records are spread by key, one instance per worker.
final class WorkersTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("workers") }

    /// faker people (10% malformed) → validator → file.write and file.discard, dead letters to a file.
    private func validate(workers: Int, into out: String) throws -> RunSummary {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        return try TestSupport.run("""
        engine: {batch: {max_records: 200, max_wait_ms: 20}}
        sources:
          people:
            use: faker.generate
            config: {profile: people, count: 20000, seed: 11, malformed_ratio: 0.1}
        processors:
          check:
            use: validator.validate
            inputs: [people]
            workers: \(workers)
            config:
              format_assertion: true
              schema: {properties: {email: {type: string, format: email}}, required: [email]}
        sinks:
          kept:
            use: file.write
            inputs: [check]
            workers: \(workers)
            config: {path: \(out)/kept.ndjson, append: false}
          counted:
            use: file.discard
            inputs: [check]
            workers: \(workers)
          dlq:
            use: file.write
            workers: \(workers)
            config: {path: \(out)/dlq.ndjson, append: false}
        dead_letter: dlq
        """, dir: out)
    }

    private func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func testTwoWorkersDeliverTheSameRecordsAsOne() throws {
        let one = try validate(workers: 1, into: dir + "/one")
        let two = try validate(workers: 2, into: dir + "/two")
        let keptOne = try lines(dir + "/one/kept.ndjson"), keptTwo = try lines(dir + "/two/kept.ndjson")
        XCTAssertGreaterThan(keptOne.count, 17000)
        XCTAssertEqual(keptTwo.count, keptOne.count, "records lost or duplicated")
        XCTAssertEqual(keptTwo.sorted(), keptOne.sorted(), "two workers wrote other records than one")
        XCTAssertEqual(Set(keptTwo).count, keptTwo.count, "a record was written twice")
        // Dead letters carry their time of failure: compare the records and reasons.
        func dead(_ path: String) throws -> [String] {
            try TestSupport.readNDJSON(path).map { "\($0["reason"]?.string ?? "") \(JSONWriter.string($0["record"] ?? .null))" }.sorted()
        }
        let deadOne = try dead(dir + "/one/dlq.ndjson"), deadTwo = try dead(dir + "/two/dlq.ndjson")
        XCTAssertGreaterThan(deadOne.count, 1000)
        XCTAssertEqual(deadTwo, deadOne)
        XCTAssertEqual(keptTwo.count + deadTwo.count, 20000)
        for summary in [one, two] {
            XCTAssertEqual(summary.read, 20000)
            XCTAssertEqual(summary.stages.filter { $0.name == "check" }.count, 1, "a component is one line of the summary")
            XCTAssertEqual(summary.stage("check")?.recordsIn, 20000)
            XCTAssertEqual(summary.stage("check")?.deadLettered, deadOne.count)
            XCTAssertEqual(summary.stage("kept")?.recordsOut, keptOne.count)
            XCTAssertEqual(summary.stage("counted")?.recordsOut, keptOne.count)
        }
    }

    /// Records spread by key: each key's records reach one worker and leave it
    /// in order, so the sink sees every key's sequence in order.
    func testSpreadByKeyKeepsEachKeysOrderAcrossThreeWorkers() throws {
        let out = dir + "/ordered.ndjson"
        let summary = try TestSupport.run("""
        engine: {batch: {max_records: 40, max_wait_ms: 10}, queue_capacity: 2, state_dir: \(dir)/state, dead_letter_path: \(dir)/dead-letter.ndjson}
        sources:
          gen:
            use: faker.generate
            config:
              count: 30000
              seed: 3
              key_field: sensor
              fields:
                seq: {provider: sequence, start: 0}
                sensor: {provider: choice, values: [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11]}
                note: {provider: sentence, words: 12}
        processors:
          keyed:
            use: validator.validate
            inputs: [gen]
            workers: 3
            spread: key
            config: {schema: {required: [seq, sensor]}}
        sinks:
          out:
            use: file.write
            inputs: [keyed]
            config: {path: \(out), append: false}
        """, dir: dir)
        XCTAssertEqual(summary.read, 30000)
        var last: [String: Int64] = [:]
        var seen = Set<Int64>()
        for record in try TestSupport.readNDJSON(out) {
            let sensor = try XCTUnwrap(record["sensor"]?.string), seq = try XCTUnwrap(record["seq"]?.integer)
            if let previous = last[sensor] { XCTAssertGreaterThan(seq, previous, "\(sensor): \(seq) written after \(previous)") }
            last[sensor] = seq
            XCTAssertTrue(seen.insert(seq).inserted, "\(seq) written twice")
        }
        XCTAssertEqual(seen.count, 30000)
        XCTAssertEqual(last.count, 12)
        // One instance per worker, each with its state directory (worker 0 keeps the component's).
        for worker in 1 ..< 3 {
            var isDirectory: ObjCBool = false
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/state/keyed/worker-\(worker)", isDirectory: &isDirectory))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/state/keyed/worker-3"))
    }

    /// The forecaster keeps models per key and says so (SLUICE_COMPONENT_KEYED_STATE):
    /// with two workers, every beach's readings go to one of them, so each
    /// reading gets the same forecast as with one worker.
    func testAKeyedComponentForecastsTheSameWithTwoWorkers() throws {
        func forecast(workers: Int) throws -> [String] {
            let out = "\(dir)/forecast-\(workers)"
            let summary = try TestSupport.run("""
            engine: {state_dir: \(out)/state, dead_letter_path: \(out)/dead-letter.ndjson}
            sources:
              csv:
                use: file.read
                config: {path: \(BeachCSV.path), key_field: Beach Name}
            processors:
              timestamps:
                use: validator.validate
                inputs: [csv]
                workers: \(workers)
                spread: key   # round-robin would let one batch overtake another: the forecaster must see each beach in order
                config:
                  coerce:
                    Measurement Timestamp: {type: date, format: "MM/dd/yyyy hh:mm:ss a", timezone: America/Chicago}
              forecast:
                use: forecaster.forecast
                inputs: [timestamps]
                workers: \(workers)
                config:
                  key_fields: [Beach Name]
                  value_fields: [Water Temperature]
                  time_field: Measurement Timestamp
                  interval: 1h
                  season: 24h
                  horizon: 3h
                  sentinels: [-99999.992]
            sinks:
              forecasts:
                use: file.write
                inputs: [forecast]
                config: {path: \(out)/forecast.ndjson, append: false}
            """, dir: dir)
            XCTAssertEqual(summary.stage("forecast")?.recordsOut, summary.stage("forecast")?.recordsIn)
            return try lines(out + "/forecast.ndjson").sorted()
        }
        let one = try forecast(workers: 1)
        let two = try forecast(workers: 2)
        XCTAssertGreaterThan(one.count, 1000)
        XCTAssertEqual(two.count, one.count)
        XCTAssertTrue(one.contains { $0.contains("\"lower95\"") }, "no reading was forecast; the comparison would prove nothing")
        XCTAssertEqual(two, one, "a beach's readings were split between workers, or reordered")
    }
}
