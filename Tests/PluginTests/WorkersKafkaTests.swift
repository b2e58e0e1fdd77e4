import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Acks stay exact with workers: kafka.read → a validator with 2 workers
/// (spread by partition) → file.write with 2 workers; the group's committed
/// offsets cover exactly the records written or dead-lettered.
final class WorkersKafkaTests: XCTestCase {
    private struct Position: Hashable {
        let partition: Int
        let offset: Int
    }

    func testCommittedOffsetsEqualTheRecordsDeliveredThroughWorkers() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("workers-kafka")
        let broker = try ManagedServer.kafka(logDir: dir)
        try broker.start()
        defer { broker.stop() }
        let brokers = "127.0.0.1:\(broker.port)"
        try ManagedServer.createTopics(["spread"], partitions: 3, brokers: brokers)
        let total = 3000
        _ = try TestSupport.run("""
        sources:
          gen: {use: faker.generate, config: {profile: orders, seed: 21, count: \(total)}}
        sinks:
          kafka: {use: kafka.write, inputs: [gen], config: {brokers: "\(brokers)", topic: spread}}
        """, dir: dir)

        func consume(_ run: String, maxRecords: Int?) throws -> RunSummary {
            try TestSupport.run("""
            engine: {batch: {max_records: 64, max_wait_ms: 20}, queue_capacity: 2}
            sources:
              kafka:
                use: kafka.read
                config: {brokers: "\(brokers)", group: spreaders, topics: [spread], commit_interval_ms: 0, metadata_field: _kafka,
                         session_timeout_ms: 1000, heartbeat_interval_ms: 300}
            processors:
              check:
                use: validator.validate
                inputs: [kafka]
                workers: 2
                spread: key
                config: {schema: {properties: {amount: {maximum: 150}}}}
            sinks:
              out:
                use: file.write
                inputs: [check]
                workers: 2
                config: {path: \(dir)/out-\(run).ndjson}
              dlq:
                use: file.write
                config: {path: \(dir)/dlq-\(run).ndjson}
            dead_letter: dlq
            """, dir: dir, maxRecords: maxRecords) { engine in
                guard maxRecords == nil else { return }
                // The second run reads what is left, then is stopped.
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline, (engine.stageMetrics.first { $0.name == "kafka" }?.snapshot.recordsIn ?? 0) < total - 1000 {
                    Thread.sleep(forTimeInterval: 0.2)
                }
                Thread.sleep(forTimeInterval: 1)
                engine.stop()
            }
        }
        func delivered(_ run: String) throws -> [Position] {
            let written = try TestSupport.readNDJSON("\(dir)/out-\(run).ndjson").map { $0["_kafka"] }
            let dead = try TestSupport.readNDJSON("\(dir)/dlq-\(run).ndjson").map { $0["record"]?["_kafka"] }
            return (written + dead).map { Position(partition: Int($0?["partition"]?.integer ?? -1), offset: Int($0?["offset"]?.integer ?? -1)) }
        }

        let first = try consume("a", maxRecords: 1000)
        XCTAssertEqual(first.read, 1000)
        XCTAssertGreaterThan(first.stage("check")?.deadLettered ?? 0, 0, "nothing was dead-lettered; the test would not cover it")
        let firstDelivered = try delivered("a")
        XCTAssertEqual(firstDelivered.count, 1000, "records lost or duplicated between the workers")
        XCTAssertEqual(Set(firstDelivered).count, 1000)
        let committed = try ManagedServer.committedOffsets(brokers: brokers, group: "spreaders", topic: "spread")
        XCTAssertEqual(committed.values.reduce(0, +), 1000, "committed \(committed), but 1,000 records were delivered")
        for partition in 0 ..< 3 {
            let offsets = firstDelivered.filter { $0.partition == partition }.map(\.offset).sorted()
            XCTAssertEqual(offsets, Array(0 ..< (committed[partition] ?? 0)), "partition \(partition): delivered offsets are not those committed")
        }

        let second = try consume("b", maxRecords: nil)
        XCTAssertEqual(second.read, total - 1000, "the second run read again what the first committed, or missed some")
        let all = try firstDelivered + delivered("b")
        XCTAssertEqual(all.count, total)
        XCTAssertEqual(Set(all).count, total, "a record was delivered twice")
        let end = try ManagedServer.committedOffsets(brokers: brokers, group: "spreaders", topic: "spread")
        XCTAssertEqual(end.values.reduce(0, +), total)
    }
}
