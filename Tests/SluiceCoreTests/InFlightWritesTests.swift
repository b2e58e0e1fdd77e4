import Foundation
@testable import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Sinks with writes in flight (ABI 1.4): the table of holds on its own,
/// then a C sink that ends each batch's holds during the next write, run
/// by the engine: every record written once, failures retried or
/// dead-lettered after `write` returned, sources acked only for what has
/// ended, and no holds where the host wants a write synchronous.
final class InFlightWritesTests: XCTestCase {
    var dir = ""
    var plugins = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("inflight")
        plugins = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.inFlightSink, name: "sluice-inflight", dir: plugins)
        try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: plugins)
    }

    func testAnAttemptCompletesOnceItsLastHoldEnds() {
        let table = InFlightWrites()
        let a = table.begin()
        let h0 = table.hold(attempt: a, index: 0)!
        let h1 = table.hold(attempt: a, index: 1)!
        XCTAssertTrue(InFlightWrites.owns(h0), "a sink's handles are tagged apart from a processor's")
        XCTAssertTrue(table.isOpen(a))
        XCTAssertNil(table.result(of: a))
        XCTAssertTrue(table.end(h1, failure: (retriable: false, reason: "refused")))
        XCTAssertNil(table.result(of: a), "one hold is still open")
        XCTAssertTrue(table.end(h0))
        XCTAssertFalse(table.end(h0), "a hold ends once")
        XCTAssertFalse(table.end(InFlightWrites.tag | 12345 << 24), "a handle never given out is not live")
        XCTAssertEqual(table.result(of: a), [Failure(index: 1, retriable: false, reason: "refused")])
        XCTAssertNil(table.result(of: a), "a finished attempt is forgotten")
        XCTAssertEqual(table.openHolds, 0)
    }

    func testAnAbandonedAttemptsHoldsStillEndButCountForNothing() {
        let table = InFlightWrites()
        let a = table.begin()
        let h = table.hold(attempt: a, index: 0)!
        table.abandon(a)
        XCTAssertTrue(table.end(h, failure: (retriable: true, reason: "late report")))
        XCTAssertNil(table.result(of: a))
        XCTAssertEqual(table.openHolds, 0)
    }

    func testAnAttemptWithoutHoldsIsCompleteAtOnce() {
        let table = InFlightWrites()
        let a = table.begin()
        XCTAssertFalse(table.isOpen(a))
        XCTAssertEqual(table.result(of: a), [])
    }

    private func run(sink extra: String = "", config: String = "") throws -> (summary: RunSummary, lines: [Int], acks: [Int], stats: String) {
        let total = 2000
        let summary = try TestSupport.run("""
        engine: {batch: {max_records: 100, max_wait_ms: 10}, initial_backoff_ms: 10, dead_letter_path: \(dir)/dead.ndjson}
        sources:
          counter: {use: testkit.count, config: {count: \(total), ack_file: \(dir)/acks.txt}}
        sinks:
          out:
            use: inflight.lagging
            inputs: [counter]
        \(extra)
            config: {out: \(dir)/out.txt, stats: \(dir)/stats.txt\(config)}
        """, dir: dir, extraPluginDirs: [plugins])
        let lines = try String(contentsOfFile: dir + "/out.txt", encoding: .utf8).split(separator: "\n").map { Int($0)! }
        let acks = try String(contentsOfFile: dir + "/acks.txt", encoding: .utf8).split(whereSeparator: \.isWhitespace).map { Int($0)! }
        return (summary, lines, acks, try String(contentsOfFile: dir + "/stats.txt", encoding: .utf8))
    }

    func testHeldRecordsAreWrittenOnceAndTheirFailuresRetriedOrDeadLettered() throws {
        let (summary, lines, acks, stats) = try run(config: ", fail_n: 7, retry_n: 42")
        XCTAssertEqual(lines.sorted(), Array(0 ..< 2000).filter { $0 != 7 }, "each record written once, but n=7")
        XCTAssertEqual(stats, "held=2001 sync=0 open=0\n", "every record was held, n=42 twice")
        XCTAssertEqual(summary.stage("out")?.recordsOut, 1999)
        XCTAssertEqual(summary.stage("out")?.retries, 1)
        XCTAssertEqual(summary.deadLettered, 1)
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(dead.count, 1)
        XCTAssertEqual(dead.first?["record"]?["n"]?.integer, 7)
        XCTAssertEqual(dead.first?["reason"]?.string, "the server refused the record")
        XCTAssertEqual(acks, [2000, 2000], "every source record acked once its hold ended")
    }

    /// A sink that never ends the holds of its last write: those records'
    /// sources are not acked (the next run reads them again), and the run says so.
    func testRecordsWhoseHoldsNeverEndAreNotAcked() throws {
        let (summary, lines, acks, stats) = try run(config: ", keep_last: true")
        let open = Int(stats.split(separator: " ").last!.dropFirst("open=".count).dropLast())!
        XCTAssertGreaterThan(open, 0)
        XCTAssertEqual(lines.count, 2000 - open)
        XCTAssertEqual(acks[0], 2000)
        XCTAssertEqual(acks[1], 2000 - open, "a record still in flight was acked")
        XCTAssertEqual(summary.stage("out")?.recordsOut, 2000 - open)
    }

    /// With a disk buffer the host writes from its log and moves the cursor
    /// after each write returns, so it hands the sink no holds.
    func testADiskBufferedSinkIsGivenNoHolds() throws {
        let (_, lines, acks, stats) = try run(sink: "    buffer: {type: disk, path: \(dir)/buffer}")
        XCTAssertEqual(stats, "held=0 sync=2000 open=0\n")
        XCTAssertEqual(lines, Array(0 ..< 2000))
        XCTAssertEqual(acks, [2000, 2000])
    }
}
