import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Keyed state follows the partition (issue 17): two hosts in one consumer
/// group share a state directory. When the second joins, the first saves the
/// models of the partitions the rebalance takes from it, and whichever host
/// gets a partition restores them from `partition-N.snapshot`, so readings
/// after the handover are forecast at once instead of warming up again.
final class ForecasterPartitionTests: XCTestCase {
    func testModelsMoveWithTheirPartitionThroughASharedStateDirectory() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("forecast-partitions")
        let kafka = try ManagedServer.kafka(logDir: dir)
        try kafka.start()
        defer { kafka.stop() }
        let brokers = "127.0.0.1:\(kafka.port)"
        try ManagedServer.createTopics(["readings"], partitions: 2, brokers: brokers)
        let beaches = ["Calumet", "Montrose", "Ohio Street", "Rainbow", "63rd Street", "Osterhout"]
        func produce(hours: Range<Int>, file: String) throws {
            let start: Int64 = 1_780_000_000_000
            let lines = hours.flatMap { h in
                beaches.enumerated().map { b, beach in
                    #"{"beach":"\#(beach)","time":{"$date":"\#(ISO8601.format(milliseconds: start + Int64(h) * 3_600_000))"},"water":\#(20 + Double(b) + sin(Double(h) / 5))}"#
                }
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
            _ = try TestSupport.run("""
            sources:
              in: {use: file.read, config: {path: \(dir)/\(file)}}
            sinks:
              topic: {use: kafka.write, inputs: [in], config: {brokers: "\(brokers)", topic: readings, key: beach}}
            """, dir: dir)
        }
        func manifest(out: String) -> String {
            """
            engine: {state_dir: \(dir)/shared-state, tick_interval_ms: 100}
            sources:
              readings:
                use: kafka.read
                config: {brokers: "\(brokers)", group: forecasters, topics: [readings], session_timeout_ms: 3000, heartbeat_interval_ms: 500}
            processors:
              forecast:
                use: forecaster.forecast
                inputs: [readings]
                config: {key_fields: [beach], value_fields: [water], time_field: time, interval: 1h, model: holt, snapshot_interval: 500}
            sinks:
              out: {use: file.write, inputs: [forecast], config: {path: \(dir)/\(out)}}
            """
        }
        try manifest(out: "first.ndjson").write(toFile: dir + "/first.yaml", atomically: true, encoding: .utf8)
        try manifest(out: "second.ndjson").write(toFile: dir + "/second.yaml", atomically: true, encoding: .utf8)

        try produce(hours: 0 ..< 150, file: "warm.ndjson")
        let first = try TestSupport.launch(["run", dir + "/first.yaml", "--no-progress"], stderr: dir + "/first.log")
        defer { if first.isRunning { first.terminate(); first.waitUntilExit() } }
        try wait("the first host to read every reading", seconds: 60) { TestSupport.lineCount(dir + "/first.ndjson") >= 150 * beaches.count }
        let second = try TestSupport.launch(["run", dir + "/second.yaml", "--no-progress"], stderr: dir + "/second.log")
        defer { if second.isRunning { second.terminate(); second.waitUntilExit() } }
        let log = { (name: String) in (try? String(contentsOfFile: dir + "/\(name).log", encoding: .utf8)) ?? "" }
        // A partition's models are restored with its first record after the handover, so the records come after the rebalance.
        try wait("the rebalance to give the second host a partition", seconds: 60) {
            log("second").contains("assigned 1 partition") && log("first").contains("moved to another consumer")
        }

        try produce(hours: 150 ..< 160, file: "after.ndjson")
        try wait("the readings after the handover", seconds: 60) {
            TestSupport.lineCount(dir + "/first.ndjson") + TestSupport.lineCount(dir + "/second.ndjson") >= 160 * beaches.count
        }
        XCTAssertTrue(log("second").contains(": restored "), "the second host restored no partition's models: \(log("second"))")
        let handedOver = try TestSupport.readNDJSON(dir + "/second.ndjson")
        XCTAssertGreaterThan(handedOver.count, 0, "the second host got no partition")
        let statuses = Set(handedOver.compactMap { $0["forecast"]?["water"]?["status"]?.string })
        XCTAssertEqual(statuses, ["ok"], "models restored from the partition's snapshot forecast at once; warming would mean they started over")
    }

    private func wait(_ what: String, seconds: Double, _ condition: () -> Bool) throws {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if condition() { return }
            usleep(100_000)
        }
        throw TestFailure("timed out after \(Int(seconds)) s waiting for \(what)")
    }
}
