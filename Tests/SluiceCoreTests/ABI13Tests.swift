import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// ABI 1.3 end to end with C plugins built here: splits travel with records
/// (and through a processor that only forwards), a revocation reaches the
/// processors behind the records read before it and ahead of those read
/// after, and a processor learns which of its outputs are wired.
final class ABI13Tests: XCTestCase {
    var dir = ""
    var plugins = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("abi13")
        plugins = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.splits, name: "sluice-splits", dir: plugins)
        try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: plugins)
    }

    private func run(extraSink: Bool) throws -> [JSONValue] {
        let extra = extraSink ? "  extra: {use: file.write, inputs: [log.extra], config: {path: \(dir)/extra.ndjson}}" : ""
        let summary = try TestSupport.run("""
        sources:
          src: {use: splits.count, config: {count: 40, revoke_at: 9}, batch: {max_records: 16}}
        processors:
          pass: {use: testkit.pass, inputs: [src]}
          log: {use: splits.log, inputs: [pass]}
        sinks:
          out: {use: file.write, inputs: [log], config: {path: \(dir)/out.ndjson}}
        \(extra)
        """, dir: dir, extraPluginDirs: [plugins])
        XCTAssertEqual(summary.read, 40)
        return try TestSupport.readNDJSON(dir + "/out.ndjson")
    }

    func testSplitsAndARevocationArriveInOrderThroughAForwardingProcessor() throws {
        let out = try run(extraSink: false)
        XCTAssertEqual(out.count, 41)
        let marker = try XCTUnwrap(out.firstIndex { $0["revoked"] != nil })
        XCTAssertEqual(out[marker]["revoked"]?.string, "1,3")
        XCTAssertEqual(out[..<marker].map { $0["n"]!.integer! }, Array(0 ... 9), "the records read before the revocation come first")
        XCTAssertEqual(out[(marker + 1)...].map { $0["n"]!.integer! }, Array(10 ..< 40))
        for record in out where record["n"] != nil {
            XCTAssertEqual(record["split"]?.integer, record["n"]!.integer! % 4, "split of record \(record["n"]!)")
        }
        XCTAssertEqual(Set(out.map { $0["wired"]!.integer! }), [0], "the extra output has no reader")
    }

    func testAProcessorSeesItsOutputWired() throws {
        let out = try run(extraSink: true)
        XCTAssertEqual(Set(out.map { $0["wired"]!.integer! }), [1])
    }
}
