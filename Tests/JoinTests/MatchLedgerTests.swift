import Foundation
@testable import JoinPlugin
import XCTest

/// The ledger of matched rows across restarts, on a temporary directory.
final class MatchLedgerTests: XCTestCase {
    private func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "match-ledger-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private func id(_ key: String, _ time: Int64) -> UInt64 { MatchLedger.identity(side: .left, key: JoinKey(key), time: time) }

    func testARestartKnowsWhatEarlierRunsMatchedAndNotItsOwn() throws {
        let dir = try tempDir()
        var first = try MatchLedger(directory: dir, retention: 1000)
        first.record(id("O-1", 100), time: 100)
        first.record(id("O-2", 200), time: 200)
        XCTAssertNil(first.flush())
        XCTAssertTrue(first.earlier.isEmpty, "a run looks up only earlier runs' entries")
        var second = try MatchLedger(directory: dir, retention: 1000)
        XCTAssertEqual(second.earlier, [id("O-1", 100), id("O-2", 200)])
        XCTAssertFalse(second.earlier.contains(id("O-1", 101)), "the event time is part of a row's identity")
        XCTAssertNotEqual(id("O-1", 100), MatchLedger.identity(side: .right, key: JoinKey("O-1"), time: 100))
        second.record(id("O-3", 300), time: 300)
        XCTAssertNil(second.flush())
        let third = try MatchLedger(directory: dir, retention: 1000)
        XCTAssertEqual(third.earlier, [id("O-1", 100), id("O-2", 200), id("O-3", 300)], "entries carry over several restarts")
    }

    func testEntriesOlderThanTheRetentionAreDropped() throws {
        let dir = try tempDir()
        var ledger = try MatchLedger(directory: dir, retention: 1000)
        for t in stride(from: Int64(0), through: 5000, by: 100) {
            ledger.record(id("O-\(t)", t), time: t)
            XCTAssertNil(ledger.flush())
        }
        let restarted = try MatchLedger(directory: dir, retention: 1000)
        XCTAssertTrue(restarted.earlier.contains(id("O-5000", 5000)))
        XCTAssertTrue(restarted.earlier.contains(id("O-4000", 4000)), "inside the retention")
        XCTAssertFalse(restarted.earlier.contains(id("O-3000", 3000)), "older than the retention")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("matched.") && !$0.hasSuffix(".tmp") }
        let bytes = try files.map { try FileManager.default.attributesOfItem(atPath: dir + "/" + $0)[.size] as! Int }.reduce(0, +)
        XCTAssertLessThan(bytes, 16 * 51, "rotation keeps the files to about the retention")
    }

    func testATornLastEntryIsIgnored() throws {
        let dir = try tempDir()
        var ledger = try MatchLedger(directory: dir, retention: 1000)
        ledger.record(id("O-1", 100), time: 100)
        XCTAssertNil(ledger.flush())
        let handle = FileHandle(forWritingAtPath: dir + "/matched.0")!
        handle.seekToEndOfFile()
        handle.write(Data([1, 2, 3]))
        handle.closeFile()
        XCTAssertEqual(try MatchLedger(directory: dir, retention: 1000).earlier, [id("O-1", 100)])
    }
}
