import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `isolation: process`: a third-party sink plugin runs in a child process,
/// so its segfault fails one batch as retriable instead of ending the host.
final class IsolationTests: XCTestCase {
    var dir = ""
    var pluginDir = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("isolation")
        pluginDir = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: pluginDir, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.crashingSink, name: "crashkit", dir: pluginDir)
    }

    func manifest(isolation: String, hang: Bool = false) throws -> String {
        let path = dir + "/\(isolation).yaml"
        try """
        engine: {initial_backoff_ms: 20, max_backoff_ms: 200, dead_letter_path: \(dir)/dead.ndjson, call_timeout_ms: 1000, drain_timeout_ms: 1000}
        sources:
          gen: {use: faker.generate, config: {count: 5000, seed: 9, fields: {n: {provider: sequence}}}}
        sinks:
          out:
            use: crashkit.crashy
            inputs: [gen]
            isolation: \(isolation)
            batch: {max_records: 500}
            config: {out: \(dir)/\(isolation).bson, marker: \(dir)/\(isolation).crashed, crash_at: 3, hang: \(hang)}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The numbers written to `path`, a file of BSON documents back to back.
    func written(_ path: String) throws -> [Int64] {
        try TestSupport.bsonIntegers(path, ["n"]).compactMap { $0["n"] }
    }

    func testASegfaultingSinkIsRestartedAndLosesNothing() throws {
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", try manifest(isolation: "process"), "--no-progress",
                                                                     "--plugin-path", pluginDir])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/process.crashed"), "the plugin never crashed: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("its plugin process was killed by signal 11 (SIGSEGV) during a write"), result.stderr)
        XCTAssertTrue(result.stderr.contains("started its plugin process again"), result.stderr)
        let numbers = try written(dir + "/process.bson")
        XCTAssertEqual(Set(numbers).count, 5000, "every record written once the child was restarted")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"))
    }

    /// The same plugin in the host: the segfault ends the run. This is what
    /// isolation is for.
    func testWithoutIsolationTheSameSegfaultEndsTheHost() throws {
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", try manifest(isolation: "none"), "--no-progress",
                                                                     "--plugin-path", pluginDir])
        XCTAssertNotEqual(result.status, 0, "stderr: \(result.stderr.count) chars: \(result.stderr.prefix(300))")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/none.crashed"))
    }

    /// A write that never returns, isolated: the child is killed after
    /// `call_timeout_ms`, the batch retried in a new one, nothing lost.
    func testAHungIsolatedWriteIsKilledAndRetried() throws {
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", try manifest(isolation: "process", hang: true), "--no-progress",
                                                                     "--plugin-path", pluginDir])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("did not answer a write of 1000 record(s) within 1000 ms (engine.call_timeout_ms); killing it"), result.stderr)
        XCTAssertEqual(Set(try written(dir + "/process.bson")).count, 5000)
    }

    /// The same write in the host: the watchdog names the component, the
    /// pipeline drains, and once the drain is over the host exits 1 instead
    /// of hanging for ever.
    func testAHungCallInTheHostEndsTheRunInsteadOfHanging() throws {
        let started = Date()
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", try manifest(isolation: "none", hang: true), "--no-progress",
                                                                     "--plugin-path", pluginDir])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        XCTAssertTrue(result.stderr.contains("out: a call into its plugin has not returned for"), result.stderr)
        XCTAssertTrue(result.stderr.contains("exiting without acknowledging what it holds"), result.stderr)
    }
}
