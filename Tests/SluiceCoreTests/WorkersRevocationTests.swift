import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Revocations (ABI 1.3) with `workers: N`: every worker gets the control
/// batch, and the component's consumers get it once, behind every record
/// any worker read before it.
final class WorkersRevocationTests: XCTestCase {
    var dir = ""
    var plugins = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("workers-revocation")
        plugins = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.splits, name: "sluice-splits", dir: plugins)
        try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: plugins)
    }

    /// splits.count: records n = 0..<40 on split n % 4, splits 1 and 3 revoked after record 9.
    private func run(pass: Int, log: Int) throws -> [JSONValue] {
        let summary = try TestSupport.run("""
        engine: {queue_capacity: 1}
        sources:
          src: {use: splits.count, config: {count: 40, revoke_at: 9}, batch: {max_records: 4}}
        processors:
          pass: {use: testkit.pass, inputs: [src], workers: \(pass), spread: key}
          log: {use: splits.log, inputs: [pass], workers: \(log), spread: key}
        sinks:
          out: {use: file.write, inputs: [log], config: {path: \(dir)/out.ndjson}}
        """, dir: dir, extraPluginDirs: [plugins])
        XCTAssertEqual(summary.read, 40)
        return try TestSupport.readNDJSON(dir + "/out.ndjson")
    }

    func testARevocationLeavesTwoWorkersOnceBehindEverythingReadBeforeIt() throws {
        let out = try run(pass: 2, log: 1)
        XCTAssertEqual(out.count, 41)
        let markers = out.indices.filter { out[$0]["revoked"] != nil }
        XCTAssertEqual(markers.count, 1, "the consumer of the two workers saw the revocation \(markers.count) times")
        let marker = try XCTUnwrap(markers.first)
        XCTAssertEqual(out[marker]["revoked"]?.string, "1,3")
        XCTAssertEqual(Set(out[..<marker].compactMap { $0["n"]?.integer }), Set(0 ... 9), "a record read before the revocation came after it")
        XCTAssertEqual(Set(out[(marker + 1)...].compactMap { $0["n"]?.integer }), Set(10 ..< 40))
        var last: [Int64: Int64] = [:]
        for record in out where record["n"] != nil {
            let n = record["n"]!.integer!, split = record["split"]!.integer!
            XCTAssertEqual(split, n % 4)
            if let previous = last[split] { XCTAssertGreaterThan(n, previous, "split \(split) out of order") }
            last[split] = n
        }
    }

    func testEveryWorkerGetsTheRevocation() throws {
        let out = try run(pass: 1, log: 2)
        XCTAssertEqual(out.filter { $0["revoked"]?.string == "1,3" }.count, 2, "each of the two workers emits its own marker")
        XCTAssertEqual(out.compactMap { $0["n"]?.integer }.sorted(), Array(0 ..< 40))
    }
}
