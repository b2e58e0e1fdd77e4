@testable import LogstashPlugin
import Foundation
import SluiceTestSupport
import XCTest

/// `logstash.write` with `protocol: beats` against a beats input stand-in
/// (Tests/Fixtures/beats_server.py: Logstash cannot be installed here) that
/// writes each window to a file and fsyncs it before it acks.
final class LogstashBeatsTests: XCTestCase {
    func testFramesAreLumberjackV2() {
        var out: [UInt8] = []
        BeatsFrames.window(2, into: &out)
        BeatsFrames.json(sequence: 1, Array(#"{"a":1}"#.utf8), into: &out)
        XCTAssertEqual(out, [0x32, 0x57, 0, 0, 0, 2, 0x32, 0x4A, 0, 0, 0, 1, 0, 0, 0, 7] + Array(#"{"a":1}"#.utf8))
        XCTAssertEqual(BeatsFrames.ack([0x32, 0x41, 0, 0, 1, 2]), 258)
        XCTAssertNil(BeatsFrames.ack(Array("HTTP/1".utf8)), "an HTTP answer is not an ack")
        XCTAssertNil(BeatsFrames.ack([0x31, 0x41, 0, 0, 0, 1]), "protocol version 1")
    }

    /// The input dies while it reads the third window, before acking it: the
    /// sink sends that window again once a new input listens, so every
    /// record lands (a window it had not acked may land twice) and nothing
    /// is dead-lettered. With json_lines the records the kernel had taken
    /// would count as written and be lost.
    func testAnInputThatDiesMidBatchLosesNothing() throws {
        let dir = TestSupport.tempDir("beats")
        let out = dir + "/events.ndjson"
        let fixture = TestSupport.repoRoot + "/Tests/Fixtures/beats_server.py"
        let dying = try ManagedServer(name: "beats-1", executable: "/usr/bin/python3", arguments: [fixture, "{port}", out, "3"], logDir: dir)
        try dying.start()
        defer { dying.stop() }
        let count = 2000
        let manifest = dir + "/beats.yaml"
        try """
        engine: {initial_backoff_ms: 50, max_backoff_ms: 400, dead_letter_path: \(dir)/dead.ndjson, batch: {max_records: 100, max_wait_ms: 20}}
        sources:
          gen: {use: faker.generate, config: {profile: beach_sensor, seed: 3, count: \(count)}}
        sinks:
          elk:
            use: logstash.write
            inputs: [gen]
            config: {address: "127.0.0.1:\(dying.port)", protocol: beats, id_field: MeasurementID, connect_timeout_ms: 2000}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let run = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: dir + "/run.log")
        defer { if run.isRunning { kill(run.processIdentifier, SIGKILL) } }
        let deadline = Date(timeIntervalSinceNow: 30)
        while ManagedServer.accepts(port: dying.port), Date() < deadline { usleep(20_000) }
        XCTAssertFalse(ManagedServer.accepts(port: dying.port), "the input never died")
        let written = TestSupport.lineCount(out)
        XCTAssertEqual(written, 200, "two windows were acked before the input died")
        usleep(300_000)
        let revived = try ManagedServer(name: "beats-2", executable: "/usr/bin/python3", arguments: [fixture, "{port}", out], port: dying.port, logDir: dir)
        try revived.start()
        defer { revived.stop() }
        run.waitUntilExit()
        let log = (try? String(contentsOfFile: dir + "/run.log", encoding: .utf8)) ?? ""
        XCTAssertEqual(run.terminationStatus, 0, log)
        let ids = try TestSupport.readNDJSON(out).compactMap { $0["MeasurementID"]?.integer }
        XCTAssertEqual(Set(ids).count, count, "every record landed")
        XCTAssertEqual(ids.count, count, "the window the input died in was never written, so none twice")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"))
        XCTAssertTrue(log.contains("closed the connection before it acknowledged the batch"), log)
    }
}
