import Foundation
import SluiceHTTP
import SluiceTestSupport
import XCTest

/// kafka.read's `consumer_lag_records{topic,partition}` against a real
/// broker: a slow sink leaves most of a topic unread, and the lag shows it.
final class ConsumerLagTests: XCTestCase {
    func testLagCountsWhatTheConsumerHasNotReadYet() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("lag")
        let broker = try ManagedServer.kafka(logDir: dir)
        try broker.start()
        defer { broker.stop() }
        let total = 2000
        _ = try TestSupport.run("""
        sources:
          gen: {use: faker.generate, config: {profile: beach_sensor, seed: 4, count: \(total)}}
        sinks:
          topic: {use: kafka.write, inputs: [gen], config: {brokers: "127.0.0.1:\(broker.port)", topic: readings}}
        """, dir: dir)
        let testkit = try TestSupport.compileC(CPlugins.testkit, name: "testkit", dir: dir)
        let statusPort = try ManagedServer.freePort()
        // 10 records per 200 ms at most: the consumer stays far behind for the whole test.
        try """
        engine: {batch: {max_records: 10, max_wait_ms: 10}, queue_capacity: 1, dead_letter_path: \(dir)/dead.ndjson, state_dir: \(dir)/state}
        sources:
          readings: {use: kafka.read, config: {brokers: "127.0.0.1:\(broker.port)", group: lag, topics: [readings], session_timeout_ms: 1000, heartbeat_interval_ms: 300}}
        sinks:
          slow: {use: testkit.slow, inputs: [readings], config: {delay_ms: 200}}
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let p = try TestSupport.launch(["run", dir + "/p.yaml", "--no-progress", "--status-listen", "127.0.0.1:\(statusPort)",
                                        "--plugin-path", (testkit as NSString).deletingLastPathComponent], stderr: dir + "/stderr.log")
        defer { if p.isRunning { p.terminate() } }
        let client = HTTPClient(headers: [], timeoutMillis: 2000)
        var page: MetricsPage?
        var lag = 0.0
        let deadline = Date(timeIntervalSinceNow: 30)
        while lag == 0, Date() < deadline {
            usleep(250_000)
            guard let r = try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/metrics", body: nil), !r.body.isEmpty else { continue }
            page = try MetricsPage(String(decoding: r.body, as: UTF8.self), dir: dir)
            lag = page!.samples("sluice_kafka_consumer_lag_records", ["component": "readings", "topic": "readings"]).map(\.value).reduce(0, +)
        }
        let read = page?.value("sluice_component_records_total", ["component": "readings", "outcome": "in"]) ?? -1
        XCTAssertGreaterThan(lag, 0, (try? String(contentsOfFile: dir + "/stderr.log", encoding: .utf8)) ?? "")
        // A partition counts once the consumer has a position in it; what it read and what it still
        // lags never add up to more than the topic.
        XCTAssertGreaterThan(read, 0)
        XCTAssertLessThanOrEqual(lag + read, Double(total), "lag \(lag), read \(read)")
        let partitions = page?.samples("sluice_kafka_consumer_lag_records", ["component": "readings"]).compactMap { $0.labels["partition"] } ?? []
        XCTAssertFalse(partitions.isEmpty)
        XCTAssertTrue(partitions.allSatisfy { Int($0) != nil }, "\(partitions)")
    }
}
