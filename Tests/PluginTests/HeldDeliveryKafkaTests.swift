import Foundation
import SluiceCore
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Held deliveries (ABI 1.1) against a real Kafka-protocol broker: a
/// processor keeps every record in its state for several ticks and emits it
/// from `tick` with its hold attached. The host is SIGKILLed while records
/// are held; the group's committed offsets must never have passed a record
/// not yet written, and after a restart every record reaches the sink.
///
/// Two waves make the moment of the kill certain: the first is written and
/// committed (a clean stop); after a restart with a long hold, the second is
/// read (the hold stage's counter says so) and still held when the host dies.
final class HeldDeliveryKafkaTests: XCTestCase {
    func testKilledWhileHoldingLosesNothingAndNeverCommitsPastAHeldRecord() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("held-kafka")
        let broker = try ManagedServer.kafka(logDir: dir)
        try broker.start()
        defer { broker.stop() }
        let brokers = "127.0.0.1:\(broker.port)"
        let plugins = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.stateful, name: "sluice-stateful", dir: plugins)

        let wave = 1000
        let total = 2 * wave
        func produce(seed: Int) throws {
            _ = try TestSupport.run("""
            sources:
              gen: {use: faker.generate, config: {profile: orders, seed: \(seed), count: \(wave)}}
            sinks:
              kafka: {use: kafka.write, inputs: [gen], config: {brokers: "\(brokers)", topic: held}}
            """, dir: dir)
        }
        try produce(seed: 7)
        let out = dir + "/out.ndjson"
        let manifest = dir + "/held.yaml"
        try """
        engine: {tick_interval_ms: 100, batch: {max_records: 50, max_wait_ms: 20}, state_dir: \(dir)/state}
        sources:
          kafka:
            use: kafka.read
            config: {brokers: "\(brokers)", group: holders, topics: [held], commit_interval_ms: 0, metadata_field: _kafka,
                     session_timeout_ms: 1000, heartbeat_interval_ms: 300}
        processors:
          hold: {use: stateful.hold, inputs: [kafka], config: {hold_ticks: 3}}
        sinks:
          out: {use: file.write, inputs: [hold], config: {path: \(out), fsync: true}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)

        let statusPort = try ManagedServer.freePort()
        let first = try TestSupport.launch(["run", manifest, "--no-progress", "--plugin-path", plugins,
                                            "--status-listen", "127.0.0.1:\(statusPort)"], stderr: dir + "/first.log")
        let client = HTTPClient(headers: [], timeoutMillis: 2000)
        func heldStageIn() -> Int {
            let page = (try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/metrics", body: nil))
                .map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            let line = page.split(separator: "\n").first {
                $0.hasPrefix("sluice_component_records_total{") && $0.contains(#"component="hold""#) && $0.contains(#"outcome="in""#)
            }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        var deadline = Date(timeIntervalSinceNow: 30)
        while TestSupport.lineCount(out) < wave, Date() < deadline { usleep(20_000) }
        XCTAssertEqual(TestSupport.lineCount(out), wave, "the first wave was not written")
        // Seconds of holding: the second wave is surely read and still held at the kill.
        let holdTicks = 50
        try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "hold_ticks: 3", with: "hold_ticks: \(holdTicks)")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        // A clean stop commits the first wave for sure, so the restarted host reads only the second.
        kill(first.processIdentifier, SIGTERM)
        first.waitUntilExit()
        let relaunched = try TestSupport.launch(["run", manifest, "--no-progress", "--plugin-path", plugins,
                                                 "--status-listen", "127.0.0.1:\(statusPort)"], stderr: dir + "/relaunched.log")
        try produce(seed: 8)
        deadline = Date(timeIntervalSinceNow: 30)
        while heldStageIn() < wave, Date() < deadline { usleep(20_000) }
        XCTAssertEqual(heldStageIn(), wave, "the second wave did not reach the holding processor")
        kill(relaunched.processIdentifier, SIGKILL)
        relaunched.waitUntilExit()
        try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "hold_ticks: \(holdTicks)", with: "hold_ticks: 3")
            .write(toFile: manifest, atomically: true, encoding: .utf8)

        let written = try offsets(out)
        let committed = try ManagedServer.committedOffsets(brokers: brokers, group: "holders", topic: "held")
        XCTAssertEqual(written.count, wave, "the held second wave was written before the kill")
        XCTAssertFalse(committed.isEmpty, "the group committed nothing before the kill")
        for (partition, offset) in committed {
            let unwritten = (0 ..< offset).filter { !written.contains(Position(partition: partition, offset: $0)) }
            XCTAssertEqual(unwritten, [], "partition \(partition) committed \(offset) past records not yet written")
        }

        let second = try TestSupport.launch(["run", manifest, "--no-progress", "--plugin-path", plugins], stderr: dir + "/second.log")
        let until = Date(timeIntervalSinceNow: 40)
        var positions = Set<Position>()
        while Date() < until {
            positions = (try? offsets(out)) ?? []
            if positions.count >= total { break }
            usleep(100_000)
        }
        second.terminate()
        second.waitUntilExit()
        XCTAssertEqual(positions.count, total, "records held at the kill were lost")
        print("held deliveries: \(written.count) written before SIGKILL; committed \(committed.sorted { $0.key < $1.key }); all \(total) after restart")
    }

    private struct Position: Hashable {
        let partition: Int
        let offset: Int
    }

    private func offsets(_ file: String) throws -> Set<Position> {
        Set(try TestSupport.readNDJSON(file).compactMap { r -> Position? in
            guard let p = r["_kafka"]?["partition"]?.integer, let o = r["_kafka"]?["offset"]?.integer else { return nil }
            return Position(partition: Int(p), offset: Int(o))
        })
    }
}
