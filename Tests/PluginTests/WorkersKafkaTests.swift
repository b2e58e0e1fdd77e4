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

    /// A broker on a free port with `count` faker orders in `topic` (3 partitions).
    private func startBroker(producing count: Int, orders topic: String, seed: Int, dir: String) throws -> ManagedServer {
        try ManagedServer.requireTestRdKafka()
        let broker = try ManagedServer.kafka(logDir: dir)
        try broker.start()
        let brokers = "127.0.0.1:\(broker.port)"
        try ManagedServer.createTopics([topic], partitions: 3, brokers: brokers)
        _ = try TestSupport.run("""
        sources:
          gen: {use: faker.generate, config: {profile: orders, seed: \(seed), count: \(count)}}
        sinks:
          kafka: {use: kafka.write, inputs: [gen], config: {brokers: "\(brokers)", topic: \(topic)}}
        """, dir: dir)
        return broker
    }

    /// kafka.read (group and topic `topic`) → validator, 2 workers → file.write, 2 workers;
    /// amounts over 150 are dead-lettered into `dlq`.
    private func manifest(brokers: String, topic: String, batch: Int, spread: String, out: String, dlq: String) -> String {
        """
        engine: {batch: {max_records: \(batch), max_wait_ms: 20}, queue_capacity: 2}
        sources:
          kafka:
            use: kafka.read
            config: {brokers: "\(brokers)", group: \(topic), topics: [\(topic)], commit_interval_ms: 0, metadata_field: _kafka,
                     session_timeout_ms: 1000, heartbeat_interval_ms: 300}
        processors:
          check:
            use: validator.validate
            inputs: [kafka]
            workers: 2
            spread: \(spread)
            config: {schema: {properties: {amount: {maximum: 150}}}}
        sinks:
          out: {use: file.write, inputs: [check], workers: 2, config: {path: \(out)}}
          dlq: {use: file.write, config: {path: \(dlq)}}
        dead_letter: dlq
        """
    }

    func testCommittedOffsetsEqualTheRecordsDeliveredThroughWorkers() throws {
        let dir = TestSupport.tempDir("workers-kafka")
        let total = 3000
        let broker = try startBroker(producing: total, orders: "spread", seed: 21, dir: dir)
        defer { broker.stop() }
        let brokers = "127.0.0.1:\(broker.port)"

        func consume(_ run: String, maxRecords: Int?) throws -> RunSummary {
            try TestSupport.run(manifest(brokers: brokers, topic: "spread", batch: 64, spread: "key",
                                         out: "\(dir)/out-\(run).ndjson", dlq: "\(dir)/dlq-\(run).ndjson"),
                                dir: dir, maxRecords: maxRecords) { engine in
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
        let committed = try ManagedServer.committedOffsets(brokers: brokers, group: "spread", topic: "spread")
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
        let end = try ManagedServer.committedOffsets(brokers: brokers, group: "spread", topic: "spread")
        XCTAssertEqual(end.values.reduce(0, +), total)
    }

    /// A SIGKILL while batches are spread over the workers: no partition's
    /// committed offset is past a record not yet written or dead-lettered,
    /// and a restart delivers everything.
    func testAKillNeverLeavesAnOffsetCommittedPastAnUndeliveredRecord() throws {
        let dir = TestSupport.tempDir("workers-kafka-kill")
        let total = 20000
        let broker = try startBroker(producing: total, orders: "killed", seed: 22, dir: dir)
        defer { broker.stop() }
        let brokers = "127.0.0.1:\(broker.port)"
        let (out, dlq, manifest) = (dir + "/out.ndjson", dir + "/dlq.ndjson", dir + "/killed.yaml")
        try self.manifest(brokers: brokers, topic: "killed", batch: 50, spread: "round_robin", out: out, dlq: dlq)
            .write(toFile: manifest, atomically: true, encoding: .utf8)

        /// Positions in the output and dead-letter files; a line a kill cut short is not one.
        func delivered() -> Set<Position> {
            var positions = Set<Position>()
            for (file, path) in [(out, ["_kafka"]), (dlq, ["record", "_kafka"])] {
                let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                for line in text.split(separator: "\n") {
                    guard var value = try? JSONParser.parse(String(line)) else { continue }
                    for key in path { value = value[key] ?? .null }
                    if let p = value["partition"]?.integer, let o = value["offset"]?.integer { positions.insert(Position(partition: Int(p), offset: Int(o))) }
                }
            }
            return positions
        }

        let first = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: dir + "/first.log")
        var deadline = Date(timeIntervalSinceNow: 60)
        while TestSupport.lineCount(out) < 4000, Date() < deadline { usleep(10000) }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let written = delivered()
        let committed = try ManagedServer.committedOffsets(brokers: brokers, group: "killed", topic: "killed")
        XCTAssertGreaterThanOrEqual(written.count, 4000)
        XCTAssertLessThan(written.count, total, "the run finished before the kill; the test proves nothing")
        XCTAssertFalse(committed.isEmpty, "the group committed nothing before the kill")
        for (partition, offset) in committed {
            let undelivered = (0 ..< offset).filter { !written.contains(Position(partition: partition, offset: $0)) }
            XCTAssertEqual(undelivered.count, 0, "partition \(partition) committed \(offset) past \(undelivered.count) undelivered record(s), first \(undelivered.first ?? -1)")
        }

        let second = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: dir + "/second.log")
        deadline = Date(timeIntervalSinceNow: 60)
        var all = delivered()
        while all.count < total, Date() < deadline {
            usleep(100_000)
            all = delivered()
        }
        second.terminate()
        second.waitUntilExit()
        XCTAssertEqual(all.count, total, "records were lost across the kill")
    }
}
