import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `--log-format json` and the rate limit on plugin log lines, and `/ready`
/// following a sink's server as it goes away and comes back.
final class LogsAndReadinessTests: XCTestCase {
    /// Every stderr line is a JSON object with level, component and message;
    /// a sink whose library logs 200 lines per write is cut to a burst and a
    /// count; a record error names its source position (file.read: the line).
    func testJSONLogLinesAndALibraryFloodIsRateLimited() throws {
        let dir = TestSupport.tempDir("json-logs")
        let testkit = try TestSupport.compileC(CPlugins.testkit, name: "testkit", dir: dir)
        var lines = (1 ... 300).map { #"{"n":\#($0)}"# }
        lines[6] = "not json"
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        try """
        engine: {batch: {max_records: 50, max_wait_ms: 10}, dead_letter_path: \(dir)/dead.ndjson}
        sources:
          gen: {use: file.read, config: {path: \(dir)/in.ndjson}}
        sinks:
          noisy: {use: testkit.slow, inputs: [gen], config: {chatter: 200}}
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let r = try TestSupport.runProcess(TestSupport.sluice, ["run", dir + "/p.yaml", "--no-progress", "--log-format", "json",
                                                                "--plugin-path", (testkit as NSString).deletingLastPathComponent])
        XCTAssertEqual(r.status, 0, r.stderr)
        let objects = try r.stderr.split(separator: "\n").map { line -> [String: String] in
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else {
                throw TestFailure("not a JSON object of strings: \(line)")
            }
            for key in ["level", "component", "message", "ts"] where o[key] == nil { throw TestFailure("no \(key): \(line)") }
            return o
        }
        XCTAssertGreaterThan(objects.count, 3)

        let chatter = objects.filter { $0["component"] == "noisy" && $0["message"]!.hasPrefix("connect to 127.0.0.1:") }
        XCTAssertGreaterThan(chatter.count, 0)
        XCTAssertLessThanOrEqual(chatter.count, 10, "the flood was not limited")
        let summaries = objects.filter { $0["component"] == "noisy" && $0["message"]!.contains("similar line(s) suppressed") }
        let suppressed = summaries.compactMap { $0["suppressed"].flatMap(Int.init) }.reduce(0, +)
            + chatter.compactMap { $0["suppressed"].flatMap(Int.init) }.reduce(0, +)
        XCTAssertEqual(summaries.count, 1, "one summary for the one kind of line")
        let writes = (chatter.count + suppressed) / 200
        XCTAssertEqual((chatter.count + suppressed) % 200, 0, "lines lost between written and suppressed")
        XCTAssertGreaterThanOrEqual(writes, 6, "299 records in batches of at most 50")

        let recordError = try XCTUnwrap(objects.first { $0["message"]!.hasPrefix("dead-lettered 1 record") }, r.stderr)
        XCTAssertEqual(recordError["component"], "gen")
        XCTAssertEqual(recordError["level"], "warning")
        XCTAssertEqual(recordError["source_token"], "7", "the record error does not name its line")
        XCTAssertTrue(objects.contains { $0["component"] == "noisy" && $0["message"] == "stage summary" && $0["records_out"] == "299" })
    }

    /// `/ready` answers 503 while the MongoDB sink cannot write (its server
    /// stopped) and 200 again once the server is back and the writes resume.
    func testReadinessFollowsTheSinksServer() throws {
        let dir = TestSupport.tempDir("ready")
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let mongo = try ManagedServer.mongo(dataDir: dir + "/data", logDir: dir)
        try mongo.start()
        defer { mongo.stop() }
        let statusPort = try ManagedServer.freePort()
        try """
        engine: {initial_backoff_ms: 50, max_backoff_ms: 300, dead_letter_path: \(dir)/dead.ndjson, batch: {max_records: 20, max_wait_ms: 20}}
        sources:
          gen: {use: faker.generate, config: {profile: beach_sensor, seed: 3, rate: 100}}
        sinks:
          mongo:
            use: mongodb.write
            inputs: [gen]
            config: {uri: "mongodb://127.0.0.1:\(mongo.port)/?serverSelectionTimeoutMS=500&connectTimeoutMS=300", database: beach, collection: r}
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let host = try ObservedHost(manifest: dir + "/p.yaml", statusPort: statusPort, stderr: dir + "/stderr.log")
        defer { host.stop() }
        let p = host.process, client = host.client, awaitReady = host.awaitReady, log = host.log
        XCTAssertEqual(awaitReady(200).0, 200, log())

        mongo.stop()
        let down = awaitReady(503)
        XCTAssertEqual(down.0, 503, log())
        XCTAssertTrue(down.1.contains("mongo: backing off before a retry"), down.1)
        XCTAssertEqual(try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/health", body: nil).status, 200,
                       "a sink in backoff is not ready, but the process is alive")

        try mongo.start()
        XCTAssertEqual(awaitReady(200).0, 200, log())
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, log())
    }

    /// `/ready` answers 503 while the Kafka source's broker is down, naming
    /// the source, and 200 again once the broker is back; meanwhile
    /// librdkafka's reconnect errors (about 20 lines a second unchecked) are
    /// cut to a trickle once each kind's burst is spent.
    func testReadinessFollowsTheKafkaSourcesBroker() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("ready-kafka")
        let broker = try ManagedServer.kafka(logDir: dir)
        try broker.start()
        defer { broker.stop() }
        let statusPort = try ManagedServer.freePort()
        try """
        engine: {initial_backoff_ms: 50, max_backoff_ms: 300, dead_letter_path: \(dir)/dead.ndjson}
        sources:
          events: {use: kafka.read, config: {brokers: "127.0.0.1:\(broker.port)", group: ready, topics: [events], session_timeout_ms: 1000, heartbeat_interval_ms: 300}}
        sinks:
          out: {use: file.write, inputs: [events], config: {path: \(dir)/out.ndjson}}
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let host = try ObservedHost(manifest: dir + "/p.yaml", statusPort: statusPort, stderr: dir + "/stderr.log")
        defer { host.stop() }
        let p = host.process, client = host.client, awaitReady = host.awaitReady, log = host.log
        XCTAssertEqual(awaitReady(200).0, 200, log())

        broker.stop()
        let down = awaitReady(503)
        XCTAssertEqual(down.0, 503, log())
        XCTAssertTrue(down.1.contains("events: cannot reach its server"), down.1)
        Thread.sleep(forTimeInterval: 2)
        let before = log().split(separator: "\n").count
        Thread.sleep(forTimeInterval: 5)
        let during = log().split(separator: "\n").dropFirst(before)
        XCTAssertLessThanOrEqual(during.count, 15, "5 s of a dead broker logged:\n" + during.joined(separator: "\n"))
        XCTAssertTrue(log().contains("similar line(s) suppressed"), log())

        try broker.start()
        XCTAssertEqual(awaitReady(200).0, 200, log())
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
    }
}

/// A `sluice run` child with its status endpoint, and its `/ready` polled.
private struct ObservedHost {
    let process: Process
    let statusPort: Int
    let stderr: String
    let client = HTTPClient(headers: [], timeoutMillis: 2000)

    init(manifest: String, statusPort: Int, stderr: String) throws {
        self.statusPort = statusPort
        self.stderr = stderr
        process = try TestSupport.launch(["run", manifest, "--no-progress", "--status-listen", "127.0.0.1:\(statusPort)"], stderr: stderr)
    }

    func stop() { if process.isRunning { process.terminate() } }

    func ready() -> (Int?, String) {
        let r = try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/ready", body: nil)
        return (r?.status, r.map { String(decoding: $0.body, as: UTF8.self) } ?? "")
    }

    /// Polls /ready until it answers `status`, up to 30 s; returns the last answer.
    func awaitReady(_ status: Int) -> (Int?, String) {
        var last = ready()
        let deadline = Date(timeIntervalSinceNow: 30)
        while last.0 != status, Date() < deadline {
            usleep(100_000)
            last = ready()
        }
        return last
    }

    func log() -> String { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
}
