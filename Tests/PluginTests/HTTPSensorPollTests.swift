import Foundation
import SluiceCore
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `http-sensor.poll` against `sluice simulate sensors` replaying the real
/// beach data, on 127.0.0.1.
final class HTTPSensorPollTests: XCTestCase {
    var dir = ""
    var servers: [ManagedServer] = []

    override func setUp() {
        dir = TestSupport.tempDir("http-poll")
    }

    override func tearDown() {
        servers.forEach { $0.stop() }
    }

    func simulator(_ args: [String]) throws -> ManagedServer {
        let sim = try ManagedServer.sensorSimulator(args, logDir: dir)
        try sim.start()
        servers.append(sim)
        return sim
    }

    func stats(_ sim: ManagedServer) throws -> JSONValue {
        let r = try HTTPClient(headers: [], timeoutMillis: 5000).send(method: "GET", url: "http://127.0.0.1:\(sim.port)/stats", body: nil)
        return try JSONParser.parse(r.body)
    }

    /// Runs `yaml` until `records` were read, or for `seconds`.
    func runPipeline(_ yaml: String, records: Int? = nil, seconds: Double? = nil) throws -> RunSummary {
        try TestSupport.run(yaml, dir: dir, maxRecords: records) { engine in
            if let seconds {
                Thread.sleep(forTimeInterval: seconds)
                engine.stop()
            }
        }
    }

    /// Polls `sim`'s `GET /` into file.discard for `seconds`; returns the run
    /// and the request arrival times the simulator saw (ms).
    func pollIntoDiscard(_ sim: ManagedServer, _ config: String, seconds: Double) throws -> (RunSummary, [Int64]) {
        let summary = try runPipeline("""
        sources:
          api:
            use: http-sensor.poll
            config: {url: "http://127.0.0.1:\(sim.port)/", \(config)}
        sinks:
          out: {use: file.discard, inputs: [api]}
        """, seconds: seconds)
        return (summary, try stats(sim)["request_times_ms"]!.array!.map { $0.integer! })
    }

    func testEachFormatDecodesTheSameReadings() throws {
        for format in ["json", "ndjson", "csv"] {
            let sim = try simulator(["--file", BeachCSV.path, "--speedup", "0"])
            let out = dir + "/\(format).ndjson"
            let summary = try runPipeline("""
            sources:
              api:
                use: http-sensor.poll
                config: {url: "http://127.0.0.1:\(sim.port)/readings?format=\(format)&n=40", interval_ms: 10}
            sinks:
              out: {use: file.write, inputs: [api], config: {path: \(out)}}
            """, records: 100)
            XCTAssertEqual(summary.read, 100, format)
            let records = try TestSupport.readNDJSON(out)
            let ids = records.compactMap { $0["Measurement ID"]?.string }
            XCTAssertEqual(ids.count, 100, format)
            XCTAssertEqual(Set(ids).count, 100, "\(format): a reading was served twice")
            XCTAssertEqual(records[0]["Beach Name"], "Montrose Beach", format)
            XCTAssertEqual(records[0]["Water Temperature"], 20.3, format)
            XCTAssertEqual(records[0]["Measurement Timestamp"], "08/30/2013 08:00:00 AM", format)
            sim.stop()
        }
    }

    func testSeveralURLsArePolledEachOnItsOwnSchedule() throws {
        let fast = try simulator(["--file", BeachCSV.path, "--speedup", "0"])
        let failing = try simulator(["--file", BeachCSV.path, "--speedup", "0", "--error-rate", "1"])
        let steady = try simulator(["--file", BeachCSV.path, "--speedup", "0"])
        let summary = try runPipeline("""
        sources:
          api:
            use: http-sensor.poll
            config:
              urls:
                - http://127.0.0.1:\(fast.port)/readings?format=ndjson&n=10
                - http://127.0.0.1:\(failing.port)/readings?format=ndjson&n=10
                - http://127.0.0.1:\(steady.port)/readings?format=ndjson&n=10
              interval_ms: 20
              backoff: {initial_ms: 400, max_ms: 400}
        sinks:
          out: {use: file.discard, inputs: [api]}
        """, seconds: 1.0)
        let (a, b, c) = (try stats(fast), try stats(failing), try stats(steady))
        XCTAssertEqual(Int64(summary.read), a["readings_served"]!.integer! + c["readings_served"]!.integer!)
        XCTAssertGreaterThan(a["requests"]!.integer!, 20, "a failing URL held up the others")
        XCTAssertGreaterThan(c["requests"]!.integer!, 20, "a failing URL held up the others")
        XCTAssertLessThanOrEqual(b["requests"]!.integer!, 6, "the failing URL was not backed off on its own")
    }

    func testTextLinesSplitIntoTypedFieldsWithEventTime() throws {
        let sim = try simulator(["--file", BeachCSV.path, "--speedup", "0"])
        let out = dir + "/text.ndjson"
        let summary = try runPipeline("""
        sources:
          api:
            use: http-sensor.poll
            config:
              url: http://127.0.0.1:\(sim.port)/readings?format=text&n=10
              interval_ms: 10
              text: {names: [TimeStamp, WaterTemperature, Turbidity, BatteryLife, Beach, MeasurementID], infer_types: true}
              event_time: {field: TimeStamp, timezone: America/Chicago}
        sinks:
          out: {use: file.write, inputs: [api], config: {path: \(out)}}
        """, records: 10)
        XCTAssertEqual(summary.deadLettered, 0, "an event time did not parse")
        let first = try TestSupport.readNDJSON(out)[0]
        XCTAssertEqual(first["Beach"], "Montrose_Beach")
        XCTAssertEqual(first["MeasurementID"], 1)
        XCTAssertEqual(first["WaterTemperature"], 20.3)
        XCTAssertEqual(first["TimeStamp"], "2013-08-30T08:00:00.000000")
    }

    func testRepeatedReadingsAreDroppedAndUnchangedOnesAnswer304() throws {
        let sim = try simulator(["--rate", "4"])
        let out = dir + "/dedupe.ndjson"
        _ = try runPipeline("""
        sources:
          api:
            use: http-sensor.poll
            config: {url: "http://127.0.0.1:\(sim.port)/", interval_ms: 20, format: text, dedupe_key: RawData, conditional: false}
        sinks:
          out: {use: file.write, inputs: [api], config: {path: \(out)}}
        """, seconds: 1.5)
        let lines = try TestSupport.readNDJSON(out).compactMap { $0["RawData"]?.string }
        let served = try stats(sim)
        XCTAssertEqual(Set(lines).count, lines.count, "a repeated reading was emitted")
        XCTAssertEqual(Int64(lines.count), served["readings_served"]?.integer, "every distinct reading, once")
        XCTAssertGreaterThan(served["requests"]!.integer!, Int64(lines.count) + 10, "the API was polled faster than it changed")

        let conditional = try simulator(["--rate", "4"])
        _ = try runPipeline("""
        sources:
          api:
            use: http-sensor.poll
            config: {url: "http://127.0.0.1:\(conditional.port)/", interval_ms: 20, format: text}
        sinks:
          out: {use: file.write, inputs: [api], config: {path: \(dir)/conditional.ndjson}}
        """, seconds: 1.5)
        let c = try stats(conditional)
        XCTAssertGreaterThan(c["not_modified"]!.integer!, 10, "If-None-Match was not sent")
        XCTAssertEqual(Int64(TestSupport.lineCount(dir + "/conditional.ndjson")), c["readings_served"]?.integer)
    }

    func testServerErrorsBackOffWithJitter() throws {
        let sim = try simulator(["--error-rate", "1"])
        let (_, times) = try pollIntoDiscard(sim, "interval_ms: 5, backoff: {initial_ms: 100, max_ms: 800}", seconds: 2.5)
        // Without backoff, 5 ms polls make about 500 requests; full jitter with
        // a floor of half the initial delay allows at most 2500 / 50.
        XCTAssertGreaterThanOrEqual(times.count, 3)
        XCTAssertLessThanOrEqual(times.count, 50)
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        XCTAssertGreaterThanOrEqual(gaps.min() ?? 0, 45, "a retry came sooner than the backoff floor: \(gaps)")
        XCTAssertGreaterThan(Set(gaps.map { $0 / 10 }).count, 1, "the delays show no jitter: \(gaps)")
    }

    func testRetryAfterIsHonoured() throws {
        let sim = try simulator(["--throttle-rate", "1", "--retry-after", "1"])
        let (_, times) = try pollIntoDiscard(sim, "interval_ms: 5, backoff: {initial_ms: 10, max_ms: 20}", seconds: 2.6)
        XCTAssertTrue((2 ... 3).contains(times.count), "expected a request about once a second, got \(times)")
        for (later, earlier) in zip(times.dropFirst(), times) {
            XCTAssertGreaterThanOrEqual(later - earlier, 950, "Retry-After: 1 was not waited out: \(times)")
        }
    }

    func testBearerTokenFromTheEnvironmentIsSent() throws {
        let sim = try simulator(["--file", BeachCSV.path, "--speedup", "0", "--token", "s3cret"])
        let yaml = """
        sources:
          api:
            use: http-sensor.poll
            config:
              url: http://127.0.0.1:\(sim.port)/readings?format=ndjson&n=5
              interval_ms: 10
              auth: {bearer: "${SENSOR_TOKEN}"}
              headers: {X-Client: sluice-test}
        sinks:
          out: {use: file.discard, inputs: [api]}
        """
        let ok = try TestSupport.run(yaml, dir: dir, maxRecords: 20, environment: ["SENSOR_TOKEN": "s3cret"])
        XCTAssertEqual(ok.read, 20)
        XCTAssertEqual(try stats(sim)["unauthorized"], 0)

        let refused = try TestSupport.run(yaml, dir: dir, environment: ["SENSOR_TOKEN": "wrong"]) { engine in
            Thread.sleep(forTimeInterval: 0.5)
            engine.stop()
        }
        XCTAssertEqual(refused.read, 0)
        XCTAssertGreaterThan(try stats(sim)["unauthorized"]!.integer!, 0)
    }

    func testHTTPSIsVerifiedAgainstTheGivenCA() throws {
        let body = dir + "/readings.json"
        try #"[{"id":1,"water":20.3},{"id":2,"water":20.4},{"id":3,"water":20.5}]"#.write(toFile: body, atomically: true, encoding: .utf8)
        let (server, caFile) = try ManagedServer.httpsStatic(file: body, contentType: "application/json", dir: dir)
        try server.start()
        servers.append(server)
        func read(_ tls: String) throws -> RunSummary {
            try runPipeline("""
            sources:
              api:
                use: http-sensor.poll
                config: {url: "https://127.0.0.1:\(server.port)/readings", interval_ms: 20, dedupe_key: id\(tls)}
            sinks:
              out: {use: file.discard, inputs: [api]}
            """, seconds: 1.0)
        }
        XCTAssertEqual(try read(", ca_file: \(caFile)").read, 3)
        XCTAssertEqual(try read("").read, 0, "a certificate no CA vouches for was accepted")
        XCTAssertEqual(try read(", verify_tls: false").read, 3)
    }

    /// A polled NDJSON body with an invalid UTF-8 line (real bytes from a
    /// real server): `reject` dead-letters that line with its byte and keeps
    /// the others; `replace` keeps all three with U+FFFD.
    func testInvalidUTF8FollowsTheUTF8Policy() throws {
        let body = dir + "/readings.ndjson"
        let bytes = Array(#"{"id":1,"s":"é"}"#.utf8) + [0x0A] + Array(#"{"id":2,"s":"x"#.utf8) + [0xFF] + Array(#""}"#.utf8) + [0x0A]
            + Array(#"{"id":3,"s":"z"}"#.utf8) + [0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: body))
        let (server, _) = try ManagedServer.httpsStatic(file: body, contentType: "application/x-ndjson", dir: dir)
        try server.start()
        servers.append(server)
        for policy in ["reject", "replace"] {
            let out = dir + "/out-\(policy).ndjson", dead = dir + "/dead-\(policy).ndjson"
            _ = try runPipeline("""
            engine: {dead_letter_path: \(dead)}
            sources:
              api:
                use: http-sensor.poll
                config: {url: "https://127.0.0.1:\(server.port)/readings", interval_ms: 20, dedupe_key: id, verify_tls: false, utf8: \(policy)}
            sinks:
              out: {use: file.write, inputs: [api], config: {path: \(out)}}
            """, seconds: 1.0)
            XCTAssertNotNil(String(data: try Data(contentsOf: URL(fileURLWithPath: out)), encoding: .utf8), "\(policy): the sink wrote UTF-8")
            let written = try TestSupport.readNDJSON(out).map { $0["s"]!.string! }
            let reasons = ((try? TestSupport.readNDJSON(dead)) ?? []).compactMap { $0["reason"]?.string }
            if policy == "reject" {
                XCTAssertEqual(written, ["é", "z"])
                XCTAssertFalse(reasons.isEmpty)
                XCTAssertTrue(reasons.allSatisfy { $0.contains("line 2: invalid UTF-8 at byte 14") }, "\(reasons)")
            } else {
                XCTAssertEqual(written, ["é", "x\u{FFFD}", "z"])
                XCTAssertEqual(reasons, [])
            }
        }
    }

    func testSlowAnswersAreCutAtTheRequestTimeout() throws {
        let sim = try simulator(["--slow-rate", "1", "--slow-ms", "600"])
        let (summary, times) = try pollIntoDiscard(sim, "timeout_ms: 150, backoff: {initial_ms: 50, max_ms: 100}", seconds: 1.6)
        XCTAssertEqual(summary.read, 0, "every answer came after the timeout")
        // Waiting out each 600 ms answer would allow at most 3 requests.
        XCTAssertGreaterThanOrEqual(times.count, 4, "requests were not cut at timeout_ms")
    }

    /// The API dies mid-replay and comes back on the same port: the source
    /// backs off meanwhile and resumes. The restarted API replays from the
    /// start, as a restarted real one may repeat itself; dedupe_key keeps each
    /// reading once, and none is missing.
    func testAnAPIThatGoesAwayIsRetriedAndNothingIsLost() throws {
        let csv = try BeachCSV()
        let expected = Set(csv.rows.map { $0[9] })
        let sim = try simulator(["--file", BeachCSV.path, "--speedup", "0"])
        let out = dir + "/resumed.ndjson"
        let summary = try TestSupport.run("""
        sources:
          api:
            use: http-sensor.poll
            config:
              url: http://127.0.0.1:\(sim.port)/readings?format=csv&n=20
              interval_ms: 20
              dedupe_key: Measurement ID
              backoff: {initial_ms: 50, max_ms: 200}
        sinks:
          out: {use: file.write, inputs: [api], config: {path: \(out)}}
        """, dir: dir, maxRecords: expected.count) { _ in
            Thread.sleep(forTimeInterval: 0.4)
            sim.kill()
            Thread.sleep(forTimeInterval: 1.0)
            try? sim.start()
        }
        let ids = try TestSupport.readNDJSON(out).map { $0["Measurement ID"]!.string! }
        XCTAssertEqual(summary.read, expected.count)
        XCTAssertEqual(ids.count, Set(ids).count, "a reading arrived twice")
        XCTAssertEqual(Set(ids), expected)
        XCTAssertGreaterThan(try stats(sim)["requests"]!.integer!, 0, "the replay ended before the API went away")
    }

    /// The whole sample CSV replayed over HTTP, with injected 500s, through the
    /// validator: nothing lost, nothing doubled, and the valid and
    /// dead-lettered counts match a count made from the CSV itself.
    func testWholeCSVReplayedThroughValidatorMatchesAnIndependentCount() throws {
        let csv = try BeachCSV()
        let sim = try simulator(["--file", BeachCSV.path, "--speedup", "0", "--error-rate", "0.3", "--seed", "7"])
        let summary = try runPipeline("""
        sources:
          api:
            use: http-sensor.poll
            config: {url: "http://127.0.0.1:\(sim.port)/readings?format=csv&n=300", interval_ms: 10, backoff: {initial_ms: 20, max_ms: 100}}
        processors:
        \(try BeachCSV.validatorYAML(input: "api"))
        sinks:
          clean-file: {use: file.write, inputs: [clean], config: {path: \(dir)/clean.ndjson}}
          rejects: {use: file.write, config: {path: \(dir)/rejects.ndjson}}
        dead_letter: rejects
        """, records: csv.rows.count)
        XCTAssertEqual(summary.read, csv.rows.count)
        XCTAssertGreaterThan(try stats(sim)["errors_injected"]!.integer!, 0)
        XCTAssertEqual(TestSupport.lineCount(dir + "/clean.ndjson"), csv.valid)
        let dead = try TestSupport.readNDJSON(dir + "/rejects.ndjson")
        XCTAssertEqual(dead.count, csv.rows.count - csv.valid)
        XCTAssertEqual(dead.filter { $0["reason"]!.string!.contains("-99999.992 is less than the minimum 0") }.count, csv.sentinels)
        let ids = try TestSupport.readNDJSON(dir + "/clean.ndjson").compactMap { $0["Measurement ID"]?.string }
        XCTAssertEqual(Set(ids).count, ids.count, "a reading arrived twice")
    }
}
