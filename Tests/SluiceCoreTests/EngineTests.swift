import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import Synchronization
import XCTest

/// Counts, fan-out, backpressure, retries, dead-lettering and acks.
final class EngineTests: XCTestCase {
    var dir = ""
    var testkitDir = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("engine")
        testkitDir = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: testkitDir, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: testkitDir)
    }

    func testFanOutCountsBalance() throws {
        let summary = try TestSupport.run("""
        sources:
          people:
            use: faker.generate
            config: {profile: people, count: 3000, seed: 5, malformed_ratio: 0.1}
        processors:
          check:
            use: validator.validate
            inputs: [people]
            config:
              format_assertion: true
              schema: {properties: {email: {type: string, format: email}}, required: [email]}
        sinks:
          a:
            use: file.write
            inputs: [check]
            config: {path: \(dir)/a.ndjson}
          b:
            use: file.write
            inputs: [check]
            config: {path: \(dir)/b.ndjson}
          dlq:
            use: file.write
            config: {path: \(dir)/dlq.ndjson}
        dead_letter: dlq
        """, dir: dir)
        let a = TestSupport.lineCount(dir + "/a.ndjson"), b = TestSupport.lineCount(dir + "/b.ndjson")
        let dead = try TestSupport.readNDJSON(dir + "/dlq.ndjson")
        XCTAssertEqual(summary.read, 3000)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a + dead.count, 3000)
        XCTAssertGreaterThan(dead.count, 200)
        XCTAssertLessThan(dead.count, 400)
        XCTAssertEqual(summary.stage("check")?.deadLettered, dead.count)
        XCTAssertEqual(summary.stage("a")?.recordsOut, a)
        // The summary shows the named dead-letter sink last, not where the plan put it (no inputs: among the sources).
        XCTAssertEqual(summary.stages.map(\.name), ["people", "check", "a", "b", "dlq"])
        for d in dead {
            XCTAssertEqual(d["stage"]?.string, "check")
            XCTAssertTrue(d["reason"]?.string?.contains("/email: \"not-an-email\" is not a valid email") ?? false, "\(d)")
            XCTAssertEqual(d["record"]?["email"]?.string, "not-an-email")
        }
    }

    func testBackpressureBoundsRecordsInFlight() throws {
        let batch = 100, capacity = 2
        let maxInFlight = Atomic<Int>(0)
        let summary = try TestSupport.run("""
        engine: {queue_capacity: \(capacity), batch: {max_records: \(batch), max_wait_ms: 50}}
        sources:
          gen:
            use: faker.generate
            config: {profile: people, seed: 1}
        processors:
          pass:
            use: testkit.pass
            inputs: [gen]
        sinks:
          slow:
            use: testkit.slow
            inputs: [pass]
            config: {delay_ms: 20}
        """, dir: dir, extraPluginDirs: [testkitDir]) { engine in
            let start = Date()
            while Date().timeIntervalSince(start) < 1.5 {
                let m = engine.stageMetrics.map(\.snapshot)
                if let src = m.first(where: { $0.name == "gen" }), let sink = m.first(where: { $0.name == "slow" }) {
                    maxInFlight.store(max(maxInFlight.load(ordering: .relaxed), src.recordsIn - sink.recordsIn), ordering: .relaxed)
                }
                usleep(10000)
            }
            engine.stop()
        }
        // Two bounded inboxes plus one batch in each of three stages' hands.
        let bound = (2 * capacity + 3) * batch
        XCTAssertLessThanOrEqual(maxInFlight.load(ordering: .relaxed), bound, "the source ran ahead of the slow sink")
        XCTAssertGreaterThan(maxInFlight.load(ordering: .relaxed), 0)
        // Only ~50 batches fit in 1.5 s at 20 ms each: the source was held back.
        XCTAssertLessThan(summary.read, 100 * batch)
        XCTAssertEqual(summary.stage("slow")?.recordsOut, summary.read, "drain lost records")
    }

    /// `retry: {max_attempts}` ends retries: a sink that never recovers
    /// dead-letters each batch after that many calls, with the class and
    /// the count. The breaker opens after `breaker_failures` calls in a row
    /// and waits out its cool-down before calling again.
    func testRetryBudgetAndCircuitBreaker() throws {
        let started = Date()
        let summary = try TestSupport.run("""
        engine: {initial_backoff_ms: 1, max_backoff_ms: 5, dead_letter_path: \(dir)/dead.ndjson, max_dead_letter_ratio: 1}
        sources:
          gen: {use: faker.generate, config: {count: 20, seed: 3, fields: {word: {provider: choice, values: [ok]}}}}
        sinks:
          down:
            use: testkit.slow
            inputs: [gen]
            retry: {max_attempts: 4, breaker_failures: 3, breaker_cool_down_ms: 400}
            config: {fail_first: 1000000}
        """, dir: dir, extraPluginDirs: [testkitDir])
        let took = Date().timeIntervalSince(started)
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(dead.count, 20, "every record is dead-lettered once the budget is spent")
        XCTAssertTrue(dead.allSatisfy { $0["error_class"]?.string == "retries_exhausted" && $0["attempts"]?.integer == 4 }, "\(dead.first ?? .null)")
        XCTAssertEqual(summary.stage("down")?.recordsOut, 0)
        // Three failures open the breaker; the fourth call waits out 400 ms.
        XCTAssertGreaterThan(took, 0.4, "the breaker's cool-down was not waited out")
    }

    func testRetriesAndDeadLettersLoseNothing() throws {
        let summary = try TestSupport.run("""
        engine: {initial_backoff_ms: 5, max_backoff_ms: 20, dead_letter_path: \(dir)/dead.ndjson}
        sources:
          gen:
            use: faker.generate
            config:
              count: 500
              seed: 3
              fields:
                word: {provider: choice, values: [ok, fine, poison], weights: [4, 4, 2]}
        sinks:
          flaky:
            use: testkit.slow
            inputs: [gen]
            config: {fail_first: 3}
        """, dir: dir, extraPluginDirs: [testkitDir])
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        let written = summary.stage("flaky")!.recordsOut
        XCTAssertGreaterThan(summary.stage("flaky")!.retries, 0)
        XCTAssertEqual(written + dead.count, 500)
        XCTAssertTrue(dead.allSatisfy { $0["reason"]?.string == "sink rejects poison" && $0["record"]?["word"]?.string == "poison" })
        XCTAssertTrue(dead.allSatisfy { $0["error_class"]?.string == "rejected" && ($0["attempts"]?.integer ?? 0) >= 1 && $0["stage"]?.string == "flaky" },
                      "\(dead.first ?? .null)")
        XCTAssertTrue(dead.contains { ($0["attempts"]?.integer ?? 0) > 1 }, "a record refused on a retried attempt counts every attempt")
        XCTAssertGreaterThan(dead.count, 50)
    }

    func testEverySourceRecordIsAckedAfterTheSinkWrote() throws {
        let ackFile = dir + "/acks.txt"
        let summary = try TestSupport.run("""
        engine: {batch: {max_records: 64, max_wait_ms: 10}}
        sources:
          counter:
            use: testkit.count
            config: {count: 1000, ack_file: \(ackFile)}
        processors:
          pass:
            use: testkit.pass
            inputs: [counter]
        sinks:
          out:
            use: file.write
            inputs: [pass]
            config: {path: \(dir)/out.ndjson}
        """, dir: dir, extraPluginDirs: [testkitDir])
        XCTAssertEqual(summary.read, 1000)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/out.ndjson").map { $0["n"]!.integer! }, Array(0 ..< 1000),
                       "forwarded and emitted records kept their order")
        XCTAssertEqual(try String(contentsOfFile: ackFile, encoding: .utf8), "1000 1000\n")
    }

    /// A sink that never recovers and a dead-letter queue that cannot be
    /// written: the records are not acked to their source (it would commit
    /// past them), and the run fails saying so.
    func testRecordsTheDeadLetterQueueCannotTakeAreNeverAcked() throws {
        let ackFile = dir + "/acks.txt"
        // Passes the start's checks, then every write fails (ENOSPC).
        let unwritable = "/dev/full"
        let manifest = dir + "/unwritable-dlq.yaml"
        try """
        engine: {dead_letter_path: \(unwritable), drain_timeout_ms: 1500, initial_backoff_ms: 50, max_backoff_ms: 200}
        sources:
          counter: {use: testkit.count, config: {count: 300, ack_file: \(ackFile)}}
        sinks:
          down: {use: testkit.slow, inputs: [counter], config: {fail_first: 1000000}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let log = dir + "/unwritable-dlq.log"
        let run = try TestSupport.launch(["run", manifest, "--no-progress", "--plugin-path", testkitDir], stderr: log)
        // The sink retries until the drain's deadline, as for a server that is down; a stop starts the drain.
        sleep(1)
        kill(run.processIdentifier, SIGTERM)
        run.waitUntilExit()
        let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(run.terminationStatus, 3, stderr)
        XCTAssertTrue(stderr.contains("could not be written to the dead-letter queue either"), stderr)
        XCTAssertEqual(try String(contentsOfFile: ackFile, encoding: .utf8), "300 0\n", "no record was acked")
    }

    func testMaxRecordsStopsExactly() throws {
        let summary = try TestSupport.run("""
        sources:
          gen:
            use: faker.generate
            config: {profile: orders, seed: 2}
        sinks:
          out:
            use: file.write
            inputs: [gen]
            config: {path: \(dir)/out.ndjson}
        """, dir: dir, maxRecords: 1234)
        XCTAssertEqual(summary.read, 1234)
        XCTAssertEqual(TestSupport.lineCount(dir + "/out.ndjson"), 1234)
    }

    func testCreateFailureNamesTheComponent() throws {
        let plan = try TestSupport.plan("""
        sources:
          gen:
            use: faker.generate
            config: {profile: people, count: 1}
        sinks:
          bad:
            use: testkit.slow
            inputs: [gen]
            config: {refuse: true}
        """, dir: dir, extraPluginDirs: [testkitDir])
        XCTAssertThrowsError(try Engine(plan: plan, logger: TestSupport.quietLogger).run()) { error in
            let engineError = error as? EngineError
            XCTAssertEqual(engineError?.component, "sinks.bad (testkit.slow)")
            XCTAssertEqual(engineError?.message, "refused on purpose")
            XCTAssertEqual(engineError?.location?.line, 6, "the component's line in the manifest")
        }
    }
}
