import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Seed 003 as shipped: faker → Kafka SensorReadings (faker-to-kafka.yaml),
/// then Kafka → validator → Elasticsearch (kafka-to-elasticsearch.yaml) and
/// the same through the Logstash stand-in (kafka-to-elk.yaml, which differs
/// in the sink's `use:` and address only).
final class SearchSeedTests: XCTestCase {
    func testFakerThroughKafkaIntoElasticsearchAndThroughELK() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("seed-search")
        try FileManager.default.createDirectory(atPath: dir + "/es", withIntermediateDirectories: true)
        let kafka = try ManagedServer.kafka(logDir: dir)
        let es = try ManagedServer.elasticsearch(dataDir: dir + "/es", logDir: dir)
        defer {
            kafka.stop()
            es.kill()
        }
        try kafka.start()
        try es.start()
        let readings = 2000
        func example(_ name: String) throws -> String {
            try String(contentsOfFile: TestSupport.repoRoot + "/examples/" + name, encoding: .utf8)
        }
        var env = ["KAFKA_BROKERS": "127.0.0.1:\(kafka.port)", "ES_URL": "http://127.0.0.1:\(es.port)",
                   "READINGS": String(readings), "SLUICE_DLQ": dir + "/dead.ndjson"]
        let producer = try example("faker-to-kafka.yaml")
        let produced = try TestSupport.run(producer, dir: dir, environment: env)
        XCTAssertEqual(produced.stage("topic")?.recordsOut, readings)
        // The same readings to a file, for the expected count.
        let copy = producer[..<producer.range(of: "sinks:")!.lowerBound] + "sinks:\n  f: {use: file.write, inputs: [readings], config: {path: \(dir)/readings.ndjson}}\n"
        _ = try TestSupport.run(String(copy), dir: dir, environment: env)
        let valid = try TestSupport.readNDJSON(dir + "/readings.ndjson").filter { r in
            (r["temperature"]?.number).map { (-10 ... 40).contains($0) } ?? false
        }.count
        XCTAssertGreaterThan(valid, 0)
        XCTAssertLessThan(valid, readings, "some readings are out of range on purpose")

        let indexed = try TestSupport.run(try example("kafka-to-elasticsearch.yaml"), dir: dir, maxRecords: readings, environment: env)
        XCTAssertEqual(indexed.read, readings)
        XCTAssertEqual(indexed.stage("search")?.recordsOut, valid)
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.ndjson"), readings - valid, "each out-of-range reading dead-lettered with its reason")
        func curl(_ path: String, _ method: String = "GET") throws -> JSONValue {
            try JSONParser.parse(try TestSupport.runProcess("/usr/bin/curl", ["-s", "-X", method, "http://127.0.0.1:\(es.port)" + path]).stdout)
        }
        func count() throws -> Int {
            _ = try curl("/_refresh", "POST")
            return Int(try curl("/readings-*/_count")["count"]?.integer ?? -1)
        }
        XCTAssertEqual(try count(), valid)

        func withMetadata() throws -> Int {
            _ = try curl("/_refresh", "POST")
            return Int(try curl("/readings-*/_count?q=_exists_:@metadata._id")["count"]?.integer ?? -1)
        }
        XCTAssertEqual(try withMetadata(), 0, "documents indexed directly carry no @metadata")

        let standIn = try ManagedServer.logstashStandIn(esPort: es.port, index: "unused", idField: "unused", dir: dir)
        try standIn.start()
        defer { standIn.stop() }
        env["LOGSTASH"] = "127.0.0.1:\(standIn.port)"
        env["GROUP"] = "sensor-readings-elk"
        env["SLUICE_DLQ"] = dir + "/elk-dead.ndjson"
        let relayed = try TestSupport.run(try example("kafka-to-elk.yaml"), dir: dir, maxRecords: readings, environment: env)
        XCTAssertEqual(relayed.stage("search")?.recordsOut, valid)
        // Same ids and indexes by way of @metadata: the count stays, and the documents now carry it.
        let deadline = Date(timeIntervalSinceNow: 30)
        while try withMetadata() < valid, Date() < deadline { usleep(300_000) }
        XCTAssertEqual(try withMetadata(), valid)
        XCTAssertEqual(try count(), valid, "the ELK route overwrote the same documents")
    }
}
