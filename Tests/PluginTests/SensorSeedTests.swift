import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The seed pipelines as shipped in examples/, end to end on real servers:
/// the simulated sensor API → Kafka RawSensorData (sensors-to-kafka.yaml),
/// then RawSensorData → validator → MongoDB and CleanSensorData (sensors-clean.yaml).
final class SensorSeedTests: XCTestCase {
    func testSensorAPIToKafkaThenValidatedIntoMongoDBAndKafka() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("seed")
        try FileManager.default.createDirectory(atPath: dir + "/mongo", withIntermediateDirectories: true)
        let sim = try ManagedServer.sensorSimulator(["--file", BeachCSV.path, "--speedup", "0", "--malformed-rate", "0.05", "--seed", "3"],
                                                    logDir: dir)
        let kafka = try ManagedServer.kafka(logDir: dir)
        let mongo = try ManagedServer.mongo(dataDir: dir + "/mongo", logDir: dir)
        defer { [sim, kafka, mongo].forEach { $0.stop() } }
        try sim.start()
        try kafka.start()
        try mongo.start()
        let environment = [
            "SENSOR_API": "http://127.0.0.1:\(sim.port)/", "KAFKA_BROKERS": "127.0.0.1:\(kafka.port)",
            "MONGO_URI": "mongodb://127.0.0.1:\(mongo.port)", "SLUICE_DLQ": dir + "/dead.ndjson",
        ]
        func example(_ name: String) throws -> String {
            try String(contentsOfFile: TestSupport.repoRoot + "/examples/\(name)", encoding: .utf8)
        }
        // One partition: the forecaster needs each beach's readings in order (tansu makes 4 by default).
        try ManagedServer.createTopics(["RawSensorData", "CleanSensorData"], partitions: 1, brokers: "127.0.0.1:\(kafka.port)")
        let readings = 1000
        let produced = try TestSupport.run(example("sensors-to-kafka.yaml").replacingOccurrences(of: "interval_ms: 200", with: "interval_ms: 2"),
                                           dir: dir, maxRecords: readings, environment: environment)
        XCTAssertEqual(produced.stage("raw")?.recordsOut, readings)
        let raw = try readBack("RawSensorData", count: 5, kafkaPort: kafka.port, dir: dir, format: ", format: text, text_field: line")
        XCTAssertEqual(raw.count, 5)
        for line in raw.compactMap({ $0["line"]?.string }) {
            XCTAssertFalse(line.hasPrefix("{"), "RawSensorData holds the raw text line, not JSON: \(line)")
        }

        let cleaned = try TestSupport.run(example("sensors-clean.yaml"), dir: dir, maxRecords: readings, environment: environment)
        let docs = try MongoProbe(uri: environment["MONGO_URI"]!, database: "beach", collection: "SensorData").documents()
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(cleaned.read, readings)
        XCTAssertEqual(docs.count + dead.count, readings)
        XCTAssertGreaterThan(dead.count, 0, "garbled lines should be dead-lettered")
        XCTAssertGreaterThan(docs.count, readings * 3 / 4)
        XCTAssertEqual(cleaned.stage("clean-topic")?.recordsOut, docs.count, "CleanSensorData got what MongoDB got")
        for reason in dead.map({ $0["reason"]!.string! }) {
            XCTAssertTrue(reason.contains("RawData") || reason.contains("cannot convert") || reason.contains("is less than"), reason)
        }
        try forecastStage(readings: docs.count, kafkaPort: kafka.port, environment: environment, dir: dir)
        // The first reading: Montrose Beach, 08/30/2013 08:00 AM Chicago time (UTC-5 in summer).
        let first = docs.first { $0.withUnsafeBytes { BSONDocument($0)["MeasurementID"]?.integer == 1 } }
        try XCTUnwrap(first).withUnsafeBytes { raw in
            let d = BSONDocument(raw)
            XCTAssertEqual(d["Beach"]?.string, "Montrose_Beach")
            XCTAssertEqual(d["TimeStamp"]?.datetime, ISO8601.parse("2013-08-30T13:00:00Z"))
            XCTAssertEqual(d["WaterTemperature"]?.number, 20.3)
        }
    }

    /// The seeds' "future improvements", examples/sensors-forecast.yaml:
    /// CleanSensorData → forecaster → MongoDB, alerts → Kafka SensorAlerts.
    /// The warm-water threshold is lowered so the sample's readings cross it.
    private func forecastStage(readings: Int, kafkaPort: Int, environment: [String: String], dir: String) throws {
        let manifest = try String(contentsOfFile: TestSupport.repoRoot + "/examples/sensors-forecast.yaml", encoding: .utf8)
            .replacingOccurrences(of: "value > 24 for 3 readings", with: "value > 20 for 1 readings")
        let run = try TestSupport.run(manifest, dir: dir, maxRecords: readings, environment: environment)
        XCTAssertEqual(run.read, readings)
        let stored = try MongoProbe(uri: environment["MONGO_URI"]!, database: "beach", collection: "SensorForecasts").documents()
        XCTAssertEqual(stored.count, readings, "one forecast document per reading (upsert by MeasurementID)")
        let withForecast = stored.filter { $0.withUnsafeBytes { BSONDocument($0)["forecast"]?.document != nil } }
        XCTAssertEqual(withForecast.count, readings, "every stored reading carries its forecast")
        let alerts = try XCTUnwrap(run.stage("alerts-topic")?.recordsOut)
        XCTAssertGreaterThan(alerts, 0, "readings above 20 °C open warm-water alerts")
        let read = try readBack("SensorAlerts", count: alerts, kafkaPort: kafkaPort, dir: dir)
        XCTAssertEqual(read.count, alerts)
        for a in read {
            XCTAssertNotNil(a["key"]?.string, "\(a)")
            XCTAssertTrue(["opened", "cleared"].contains(a["state"]?.string ?? ""), "\(a)")
            XCTAssertNotNil(a["rule"]?.string)
        }
    }

    /// The first `count` messages of `topic`, read back by Sluice in a group of their own.
    private func readBack(_ topic: String, count: Int, kafkaPort: Int, dir: String, format: String = "") throws -> [JSONValue] {
        _ = try TestSupport.run("""
        sources:
          topic: {use: kafka.read, config: {brokers: "127.0.0.1:\(kafkaPort)", group: peek-\(topic), topics: [\(topic)]\(format)}}
        sinks:
          out: {use: file.write, inputs: [topic], config: {path: \(dir)/\(topic).ndjson}}
        """, dir: dir, maxRecords: count)
        return try TestSupport.readNDJSON(dir + "/\(topic).ndjson")
    }
}
