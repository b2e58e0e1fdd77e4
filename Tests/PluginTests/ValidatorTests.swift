import Foundation
import SluiceSDK
import SluiceTestSupport
import ValidatorPlugin
import XCTest

final class ValidatorTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("validator") }

    private func config(_ v: JSONValue) -> Config { Config(v.object!) }

    func testParsesTheSeedLine() throws {
        let parser = try LineParser(config(["field": "RawData",
                                            "names": ["TimeStamp", "WaterTemperature", "Turbidity", "BatteryLife", "Beach", "MeasurementID"]]))
        let fields = try parser.parse("2020-02-17T11:12:58.765969 26.04 540.1 13.12 Montrose_Beach 758028").get()
        XCTAssertEqual(fields.map(\.0), ["TimeStamp", "WaterTemperature", "Turbidity", "BatteryLife", "Beach", "MeasurementID"])
        XCTAssertEqual(fields.map(\.1), ["2020-02-17T11:12:58.765969", "26.04", "540.1", "13.12", "Montrose_Beach", "758028"])
        if case let .failure(f) = parser.parse("2020-02-17T11:12:58.765969 26.04") {
            XCTAssertTrue(f.reason.contains("expected 6 fields"), f.reason)
        } else {
            XCTFail("a short line parsed")
        }
        let regex = try LineParser(config(["field": "RawData", "regex": #"^(?<ts>\S+) (?<temp>[-0-9.]+) .* (?<id>\d+)$"#]))
        XCTAssertEqual(regex.names, ["ts", "temp", "id"])
        XCTAssertEqual(try regex.parse("2020-02-17T11:12:58 26.04 540.1 13.12 Montrose_Beach 758028").get().map(\.1),
                       ["2020-02-17T11:12:58", "26.04", "758028"])
    }

    /// An inline schema's relative `$ref` resolves from the manifest's folder
    /// by default, not from the working directory (the tests run elsewhere).
    func testInlineSchemaRefsResolveFromTheManifestsFolder() throws {
        try #"{"type": "object", "required": ["email"]}"#.write(toFile: dir + "/person.json", atomically: true, encoding: .utf8)
        XCTAssertNotEqual(FileManager.default.currentDirectoryPath, dir)
        let summary = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          people:
            use: faker.generate
            config: {profile: people, count: 20, seed: 2}
        processors:
          check:
            use: validator.validate
            inputs: [people]
            config: {schema: {$ref: person.json}}
        sinks:
          out:
            use: file.write
            inputs: [check]
            config: {path: \(dir)/out.ndjson}
        """, dir: dir)
        XCTAssertEqual(summary.stage("out")?.recordsOut, 20)
    }

    /// The seed pipeline's validator config: raw line → the MongoDB schema's types.
    func testSeedLineBecomesTypedRecord() throws {
        let summary = try TestSupport.run("""
        sources:
          sensors:
            use: faker.generate
            config: {profile: beach_sensor, seed: 9, count: 1000, malformed_ratio: 0.2}
        processors:
          clean:
            use: validator.validate
            inputs: [sensors]
            config:
              parse:
                field: RawData
                names: [TimeStamp, WaterTemperature, Turbidity, BatteryLife, BeachCode, MeasurementID]
              coerce: {TimeStamp: date, WaterTemperature: number, Turbidity: number, BatteryLife: number, MeasurementID: integer}
              schema:
                type: object
                required: [Beach, MeasurementID, WaterTemperature, Turbidity, BatteryLife, TimeStamp]
                properties:
                  Beach: {type: string}
                  MeasurementID: {type: integer}
                  WaterTemperature: {type: number, minimum: -5, maximum: 40}
                  Turbidity: {type: number, minimum: 0}
                  TimeStamp: {type: string, format: date-time}
        sinks:
          out:
            use: file.write
            inputs: [clean]
            config: {path: \(dir)/clean.ndjson}
          dlq:
            use: file.write
            config: {path: \(dir)/dlq.ndjson}
        dead_letter: dlq
        """, dir: dir)
        let clean = try TestSupport.readNDJSON(dir + "/clean.ndjson")
        let dead = try TestSupport.readNDJSON(dir + "/dlq.ndjson")
        XCTAssertEqual(clean.count + dead.count, 1000)
        XCTAssertEqual(summary.stage("clean")?.deadLettered, dead.count)
        XCTAssertTrue((130 ... 270).contains(dead.count), "\(dead.count) of 1000 at malformed_ratio 0.2")
        for r in clean {
            XCTAssertNotNil(r["TimeStamp"]?["$date"]?.string, "TimeStamp is a BSON date")
            XCTAssertEqual(r["MeasurementID"]?.typeName, "integer")
            XCTAssertNotNil(r["WaterTemperature"]?.number)
        }
        let reasons = dead.compactMap { $0["reason"]?.string }
        XCTAssertTrue(reasons.contains { $0.contains("/WaterTemperature: cannot convert \"n/a\" to a number") })
        XCTAssertTrue(reasons.contains { $0.contains("RawData: expected 6 fields") })
        XCTAssertTrue(reasons.contains { $0.contains("missing required property \"Beach\"") })
        XCTAssertTrue(reasons.contains { $0.contains("/Turbidity: -99999.992 is less than the minimum 0") })
    }

    func testCoercions() throws {
        func coerce(_ c: JSONValue, _ text: String) throws -> (BSONType?, String?) {
            var w = BSONWriter()
            let problem = try Coercion(c, field: "f").append(&w, "f", text: text)
            let bytes = w.finish()
            return (bytes.withUnsafeBytes { BSONDocument($0)["f"]?.type }, problem)
        }
        XCTAssertEqual(try coerce("number", " 26.04 ").0, .double)
        XCTAssertEqual(try coerce("integer", "758028").0, .int64)
        XCTAssertEqual(try coerce("integer", "7.0").0, .int64)
        XCTAssertNotNil(try coerce("integer", "7.5").1)
        XCTAssertEqual(try coerce("boolean", "yes").0, .bool)
        XCTAssertEqual(try coerce("date", "2013-08-30T08:00:00Z").0, .datetime)
        XCTAssertEqual(try coerce(["type": "date", "format": "MM/dd/yyyy hh:mm:ss a"], "08/30/2013 08:00:00 AM").0, .datetime)
        XCTAssertTrue(try coerce("date", "soon").1?.contains("cannot convert \"soon\" to a date") ?? false)
        XCTAssertThrowsError(try Coercion("complex", field: "f"))
    }

    func testDropModeFiltersSilently() throws {
        let summary = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          gen:
            use: faker.generate
            config: {profile: orders, seed: 1, count: 400, malformed_ratio: 0.25}
        processors:
          v:
            use: validator.validate
            inputs: [gen]
            config: {on_invalid: drop, schema: {properties: {amount: {type: number}}}}
        sinks:
          out:
            use: file.write
            inputs: [v]
            config: {path: \(dir)/out.ndjson}
        """, dir: dir)
        let kept = TestSupport.lineCount(dir + "/out.ndjson")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"))
        XCTAssertEqual(summary.stage("v")?.recordsOut, kept)
        XCTAssertTrue((250 ... 350).contains(kept), "\(kept)")
    }
}
