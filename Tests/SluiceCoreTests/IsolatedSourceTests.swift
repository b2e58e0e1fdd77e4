import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `isolation: process` on sources: the child polls, records come back,
/// acks go back to the child. A C source that faults mid-run is restarted
/// and reads on from its last acknowledged record; acks meant for the dead
/// child never reach the new one.
final class IsolatedSourceTests: XCTestCase {
    var dir = ""
    var pluginDir = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("isolated-source")
        pluginDir = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: pluginDir, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.faulty, name: "faulty", dir: pluginDir)
        try TestSupport.compileC(CPlugins.crashingSink, name: "crashkit", dir: pluginDir)
        try TestSupport.compileC(CPlugins.testkit, name: "testkit", dir: pluginDir)
    }

    /// 5,000 records from `faulty.counter` (config `source`), batches of
    /// 500, into out.bson; with `slowly`, also into a sink that takes 100 ms
    /// a batch, so acks come well after the source read on.
    func manifest(_ name: String, isolation: String = "process", source: String, slowly: Bool = false) throws -> String {
        let path = dir + "/\(name).yaml"
        try """
        engine: {initial_backoff_ms: 20, max_backoff_ms: 200, dead_letter_path: \(dir)/dead.ndjson, call_timeout_ms: 1000,
                 drain_timeout_ms: 3000, batch: {max_records: 500, max_wait_ms: 20}}
        sources:
          gen:
            use: faulty.counter
            isolation: \(isolation)
            config: {count: 5000, state: \(dir)/acked, marker: \(dir)/crashed, \(source)}
        sinks:
          out: {use: crashkit.crashy, inputs: [gen], config: {out: \(dir)/out.bson, marker: \(dir)/never, crash_at: 0}}
        \(slowly ? "  slow: {use: testkit.slow, inputs: [gen], config: {delay_ms: 100}}" : "")
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ manifest: String) throws -> TestSupport.ProcessResult {
        try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress", "--plugin-path", pluginDir])
    }

    /// The `n` of every document in out.bson.
    func written() throws -> [Int64] {
        try TestSupport.bsonIntegers(dir + "/out.bson", ["n"]).compactMap { $0["n"] }
    }

    /// The last token the source was acknowledged (its record n + 1).
    func lastAcked() throws -> Int {
        Int(try String(contentsOfFile: dir + "/acked", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    func testAnIsolatedSourceDeliversAndIsAcked() throws {
        let result = try run(try manifest("plain", source: "crash_at: 0"))
        XCTAssertEqual(result.status, 0, result.stderr)
        let n = try written()
        XCTAssertEqual(n, (0 ..< 5000).map(Int64.init), "in order, each once")
        XCTAssertEqual(try lastAcked(), 5000, "acks reached the child")
    }

    /// The child faults on its fourth poll while the three batches it read
    /// are still being written: their acks, meant for the dead child, are
    /// dropped, and the new child reads them again from the last ack it
    /// saw (none), so they are written twice and nothing is lost.
    func testASegfaultingSourceIsRestartedAndReadsOnFromItsLastAck() throws {
        let result = try run(try manifest("segv", source: "crash_at: 4", slowly: true))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/crashed"), "the plugin never crashed: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("its plugin process was killed by signal 11 (SIGSEGV) during a poll"), result.stderr)
        XCTAssertTrue(result.stderr.contains("started its plugin process again (restart 1)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("acknowledgement(s) of records read by a plugin process that has ended; the new process reads them again"),
                      result.stderr)
        let n = try written()
        XCTAssertEqual(Set(n), Set(0 ..< 5000), "every record, at least once")
        XCTAssertEqual(n.count, 6500, "the dead child's three batches twice, the rest once")
        XCTAssertEqual(try lastAcked(), 5000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"))
    }

    func testAHungPollIsKilledAndTheSourceRestarted() throws {
        let result = try run(try manifest("hang", source: "crash_at: 4, hang: true"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("its plugin process did not answer a poll within 1000 ms (engine.call_timeout_ms); killing it"), result.stderr)
        XCTAssertEqual(Set(try written()), Set(0 ..< 5000))
        XCTAssertEqual(try lastAcked(), 5000)
    }

    /// In the host, the same fault ends the run.
    func testWithoutIsolationTheSameSegfaultEndsTheHost() throws {
        let result = try run(try manifest("none", isolation: "none", source: "crash_at: 4"))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/crashed"))
    }
}
