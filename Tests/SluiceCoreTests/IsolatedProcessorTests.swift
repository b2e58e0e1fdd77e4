import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `isolation: process` on processors: a third-party C processor that
/// segfaults, aborts or hangs runs in a child process; the host survives,
/// retries the batch in a new child, and dead-letters what keeps failing,
/// with the reason. Every run is the real host with real children.
final class IsolatedProcessorTests: XCTestCase {
    var dir = ""
    var pluginDir = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("isolated-processor")
        pluginDir = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: pluginDir, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.faulty, name: "faulty", dir: pluginDir)
        try TestSupport.compileC(CPlugins.crashingSink, name: "crashkit", dir: pluginDir)
        try TestSupport.compileC(CPlugins.testkit, name: "testkit", dir: pluginDir)
    }

    /// 5,000 records `{n}` from `testkit.count` in batches of 500, through
    /// processor `p` (config `processor`) into the BSON files out.bson and
    /// (its output `copies`) copies.bson.
    func manifest(_ name: String, isolation: String = "process", use: String = "faulty.crashy", processor: String,
                  retry: String = "{max_attempts: 3}", engine: String = "") throws -> String
    {
        let path = dir + "/\(name).yaml"
        let copies = use == "faulty.crashy" ? """
          copies: {use: crashkit.crashy, inputs: [p.copies], config: {out: \(dir)/copies.bson, marker: \(dir)/never, crash_at: 0}}
        """ : ""
        try """
        engine: {initial_backoff_ms: 20, max_backoff_ms: 200, dead_letter_path: \(dir)/dead.ndjson, call_timeout_ms: 1000,
                 drain_timeout_ms: 3000, tick_interval_ms: 100, batch: {max_records: 500}, state_dir: \(dir)/state\(engine)}
        sources:
          gen: {use: testkit.count, config: {count: 5000, ack_file: \(dir)/acked}}
        processors:
          p:
            use: \(use)
            inputs: [gen]
            isolation: \(isolation)
            retry: \(retry)
            config: \(processor)
        sinks:
          out: {use: crashkit.crashy, inputs: [p], config: {out: \(dir)/out.bson, marker: \(dir)/never, crash_at: 0}}
        \(copies)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ manifest: String) throws -> TestSupport.ProcessResult {
        try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress", "--plugin-path", pluginDir])
    }

    /// The documents of a file of BSON documents back to back, as field → integer.
    func written(_ path: String) throws -> [[String: Int64]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try TestSupport.bsonIntegers(path, ["n", "final"])
    }

    /// What `testkit.count` says it emitted and had acknowledged.
    func acked() throws -> (emitted: Int, acked: Int) {
        let parts = try String(contentsOfFile: dir + "/acked", encoding: .utf8).split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        return (parts[0], parts[1])
    }

    func testASegfaultIsRetriedInANewChildAndLosesNothing() throws {
        let result = try run(try manifest("segv", processor: "{marker: \(dir)/crashed, crash_at: 3}"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/crashed"), "the plugin never crashed: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("its plugin process was killed by signal 11 (SIGSEGV) during a process of 500 record(s)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("started its plugin process again (restart 1)"), result.stderr)
        let out = try written(dir + "/out.bson").compactMap { $0["n"] }
        XCTAssertEqual(out.count, 5000, "each record once: the crashed call's output was never used")
        XCTAssertEqual(Set(out), Set(0 ..< 5000))
        let copies = try written(dir + "/copies.bson")
        XCTAssertEqual(Set(copies.compactMap { $0["n"] }), Set(0 ..< 5000), "the named output crossed the wire")
        XCTAssertEqual(copies.compactMap { $0["final"] }, [1], "the last tick ran in the child, told it was stopping")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"))
        XCTAssertEqual(try acked().acked, 5000)
    }

    /// At the last tick of a run cut short by `--max-records`, `stopping`
    /// answers 2 to a plugin built for ABI 1.7 and 1 to one built before,
    /// whose contract was "non-zero" (a plugin comparing with 1 would miss
    /// a 2): in the host, and in a child through the tick's byte.
    func testAPluginBuiltBeforeABI17IsToldOfACutWithOne() throws {
        let older = dir + "/abi-1.6"
        try FileManager.default.createDirectory(atPath: older, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.faulty, name: "faulty", dir: older, flags: ["-DDECLARED_MINOR=6"])
        for library in ["libcrashkit.so", "libtestkit.so"] {
            try FileManager.default.copyItem(atPath: "\(pluginDir)/\(library)", toPath: "\(older)/\(library)")
        }
        for (plugins, answer) in [(pluginDir, Int64(2)), (older, 1)] {
            for isolation in ["none", "process"] {
                try? FileManager.default.removeItem(atPath: dir + "/copies.bson")
                let result = try TestSupport.runProcess(TestSupport.sluice, ["run", try manifest("cut-\(isolation)", isolation: isolation, processor: "{}"),
                                                                             "--no-progress", "--max-records", "1000", "--plugin-path", plugins])
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertEqual(try written(dir + "/copies.bson").compactMap { $0["final"] }, [answer], "\(plugins), isolation: \(isolation)")
            }
        }
    }

    /// A batch that aborts the plugin on every attempt: after
    /// `retry.max_attempts` its records are dead-lettered with the signal as
    /// the reason; the other batches are delivered; the host exits 0 (the
    /// share dead-lettered is under `max_dead_letter_ratio`).
    func testABatchThatAlwaysAbortsIsDeadLetteredWithTheSignal() throws {
        let result = try run(try manifest("abort", processor: "{marker: \(dir)/crashed, crash_on: 1777, abort: true}"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("killed by signal 6 (SIGABRT)"), result.stderr)
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(Set(dead.compactMap { $0["record"]?["n"]?.integer }), Set(1500 ..< 2000), "the batch holding n = 1777")
        XCTAssertEqual(dead.count, 500)
        for entry in dead.prefix(1) {
            XCTAssertEqual(entry["stage"]?.string, "p")
            XCTAssertEqual(entry["error_class"]?.string, "retries_exhausted")
            XCTAssertEqual(entry["attempts"]?.integer, 3)
            XCTAssertEqual(entry["reason"]?.string, "still failing after 3 attempt(s): plugin crashed: its process was killed by signal 6 (SIGABRT)")
        }
        let out = try written(dir + "/out.bson").compactMap { $0["n"] }
        XCTAssertEqual(out.count, 4500)
        XCTAssertEqual(Set(out).union(Set(1500 ..< 2000)), Set(0 ..< 5000), "every record delivered or dead-lettered")
        XCTAssertEqual(try acked().acked, 5000, "acknowledged once written or dead-lettered")
    }

    /// A process call that never returns: the child is killed after
    /// `call_timeout_ms` and the batch retried in a new child.
    func testAHungProcessIsKilledAndRetried() throws {
        let result = try run(try manifest("hang", processor: "{marker: \(dir)/crashed, crash_at: 3, hang: true}"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("its plugin process did not answer a process of 500 record(s) within 1000 ms (engine.call_timeout_ms); killing it"), result.stderr)
        XCTAssertTrue(result.stderr.contains("killed by signal 9 (SIGKILL)"), result.stderr)
        XCTAssertEqual(Set(try written(dir + "/out.bson").compactMap { $0["n"] }), Set(0 ..< 5000))
    }

    /// A batch that hangs the plugin on every attempt: each attempt's child
    /// is killed at `call_timeout_ms`, and after `max_attempts` the batch
    /// is dead-lettered saying so.
    func testABatchThatAlwaysHangsIsDeadLetteredWithTheTimeout() throws {
        let result = try run(try manifest("always-hangs", processor: "{marker: \(dir)/crashed, crash_on: 4242, hang: true}",
                                          retry: "{max_attempts: 2}"))
        XCTAssertEqual(result.status, 0, result.stderr)
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(Set(dead.compactMap { $0["record"]?["n"]?.integer }), Set(4000 ..< 4500))
        XCTAssertEqual(dead.first?["reason"]?.string,
                       "still failing after 2 attempt(s): plugin did not answer within 1000 ms (engine.call_timeout_ms): its process was killed")
        XCTAssertEqual(try written(dir + "/out.bson").count, 4500)
        XCTAssertEqual(try acked().acked, 5000)
    }

    /// The same processor in the host: the segfault ends the run.
    func testWithoutIsolationTheSameSegfaultEndsTheHost() throws {
        let result = try run(try manifest("none", isolation: "none", processor: "{marker: \(dir)/crashed, crash_at: 3}"))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/crashed"))
        XCTAssertLessThan(try written(dir + "/out.bson").count, 5000)
    }

    /// A C processor that holds every record for a few ticks, isolated, and
    /// segfaults on its fourth process call while it holds earlier batches:
    /// the host had pinned what the child held, gives those records to the
    /// new child, and every record is delivered once; no record is
    /// acknowledged to the source before the plugin released it (the log
    /// both write to shows each `released n` before its `acked n`).
    func testHeldRecordsSurviveASegfaultAndNoneIsAckedBeforeItsRelease() throws {
        try TestSupport.compileC(CPlugins.keeper, name: "keeper", dir: pluginDir)
        let path = dir + "/keep.yaml"
        try """
        engine: {initial_backoff_ms: 20, max_backoff_ms: 200, dead_letter_path: \(dir)/dead.ndjson, call_timeout_ms: 5000,
                 tick_interval_ms: 100, batch: {max_records: 500}}
        sources:
          gen: {use: keeper.count, config: {count: 5000, log: \(dir)/log}}
        processors:
          p:
            use: keeper.keep
            inputs: [gen]
            isolation: process
            config: {log: \(dir)/log, marker: \(dir)/crashed, crash_at: 4, hold_ticks: 3}
        sinks:
          out: {use: crashkit.crashy, inputs: [p], config: {out: \(dir)/out.bson, marker: \(dir)/never, crash_at: 0}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try run(path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/crashed"), "the plugin never crashed: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("its plugin process was killed by signal 11 (SIGSEGV) during a process of 500 record(s)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("gave its new plugin process the records the last one held"), result.stderr)
        let out = try written(dir + "/out.bson").compactMap { $0["n"] }
        XCTAssertEqual(Set(out), Set(0 ..< 5000), "every record delivered")
        XCTAssertEqual(out.count, 5000, "once: the dead child had emitted none of what it held")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"))
        var released: [Int: Int] = [:], acked: [Int: Int] = [:]
        let lines = try String(contentsOfFile: dir + "/log", encoding: .utf8).split(separator: "\n")
        for (at, line) in lines.enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let n = Int(parts[1]) else { return XCTFail("bad log line \(line)") }
            if parts[0] == "released" { released[n] = released[n] ?? at } else { XCTAssertNil(acked[n], "acked twice: \(n)"); acked[n] = at }
        }
        XCTAssertEqual(Set(acked.keys), Set(0 ..< 5000), "every record acknowledged")
        let early = (0 ..< 5000).filter { n in acked[n].map { a in released[n].map { a < $0 } ?? true } ?? false }
        XCTAssertEqual(early, [], "acknowledged before the plugin released them")
        let heldAtTheCrash = result.stderr.components(separatedBy: "gave its new plugin process").count - 1
        XCTAssertEqual(heldAtTheCrash, 1, result.stderr)
    }

    /// `validate` accepts isolating a component with keyed state: its holds
    /// cross the wire.
    func testValidateAcceptsKeyedStateUnderIsolation() throws {
        let path = dir + "/keyed.yaml"
        try """
        sources:
          gen: {use: testkit.count, isolation: process, config: {count: 10}}
        processors:
          k: {use: faulty.keyed, inputs: [gen], isolation: process, config: {}}
          ok: {use: faulty.crashy, inputs: [k], isolation: process, config: {}}
        sinks:
          out: {use: crashkit.crashy, inputs: [ok, ok.copies], isolation: process, config: {out: \(dir)/x.bson, marker: \(dir)/m}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try TestSupport.runProcess(TestSupport.sluice, ["validate", path, "--plugin-path", pluginDir])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    }
}
