import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// ABI 1.1 end to end with C plugins built here: 1.0 plugins still run,
/// input ports and named outputs route, held deliveries delay acks, and
/// structs that are too small are refused.
final class ABI11Tests: XCTestCase {
    var dir = ""
    var plugins = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("abi11")
        plugins = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.stateful, name: "sluice-stateful", dir: plugins)
    }

    /// The testkit built against the ABI 1.0 header, kept verbatim in
    /// Tests/Fixtures/abi-1.0, loads and runs unchanged on this host.
    func testAPluginBuiltAgainstTheABI10HeaderRuns() throws {
        let old = dir + "/old"
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: old, include: TestSupport.repoRoot + "/Tests/Fixtures/abi-1.0")
        let inspect = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "inspect", old + "/libsluice-testkit.so"])
        XCTAssertTrue(inspect.stdout.contains("abi:         1.0 (host speaks 1.8)"), inspect.stdout)
        let ackFile = dir + "/acks.txt"
        let summary = try TestSupport.run("""
        sources:
          counter: {use: testkit.count, config: {count: 500, ack_file: \(ackFile)}}
        processors:
          pass: {use: testkit.pass, inputs: [counter]}
        sinks:
          out: {use: file.write, inputs: [pass], config: {path: \(dir)/out.ndjson}}
        """, dir: dir, extraPluginDirs: [old])
        XCTAssertEqual(summary.read, 500)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/out.ndjson").map { $0["n"]!.integer! }, Array(0 ..< 500))
        XCTAssertEqual(try String(contentsOfFile: ackFile, encoding: .utf8), "500 500\n")
    }

    func testTwoInputsRouteByPortToTwoNamedOutputs() throws {
        let testkit = try testkitDir()
        let summary = try TestSupport.run("""
        sources:
          left: {use: testkit.count, config: {count: 30}}
          right: {use: testkit.count, config: {count: 50}}
        processors:
          route: {use: stateful.route, inputs: [left, right]}
        sinks:
          a: {use: file.write, inputs: [route.first], config: {path: \(dir)/a.ndjson}}
          b: {use: file.write, inputs: [route.second], config: {path: \(dir)/b.ndjson}}
        """, dir: dir, extraPluginDirs: [plugins, testkit])
        XCTAssertEqual(summary.read, 80)
        XCTAssertEqual(summary.stage("a")?.recordsOut, 30)
        XCTAssertEqual(summary.stage("b")?.recordsOut, 50)
        let a = try TestSupport.readNDJSON(dir + "/a.ndjson")
        let b = try TestSupport.readNDJSON(dir + "/b.ndjson")
        XCTAssertEqual(Set(a.map { $0["from"]!.string! }), ["left"])
        XCTAssertEqual(Set(a.map { $0["port"]!.integer! }), [0])
        XCTAssertEqual(a.map { $0["n"]!.integer! }.sorted(), Array(0 ..< 30))
        XCTAssertEqual(Set(b.map { $0["from"]!.string! }), ["right"])
        XCTAssertEqual(b.map { $0["n"]!.integer! }.sorted(), Array(0 ..< 50))
    }

    func testAnUnknownOutputIsRefusedWithItsLineAndAnUnreadOneIsWarned() throws {
        let testkit = try testkitDir()
        XCTAssertThrowsError(try TestSupport.plan(routeManifest(sinks: """
          a:
            use: file.write
            inputs: [route.frist]
            config: {path: /dev/null}
        """), dir: dir, extraPluginDirs: [plugins, testkit])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("pipeline.yaml:9:"), text)
            XCTAssertTrue(text.contains("route has no output \"frist\""), text)
            XCTAssertTrue(text.contains("did you mean 'first'"), text)
        }
        let plan = try TestSupport.plan(routeManifest(sinks: "  a: {use: file.write, inputs: [route.first], config: {path: /dev/null}}"),
                                        dir: dir, extraPluginDirs: [plugins, testkit])
        XCTAssertEqual(plan.warnings.count, 1)
        XCTAssertTrue(plan.warnings[0].description.contains("output \"second\" is read by no component"), "\(plan.warnings)")
        let validate = try TestSupport.runProcess(TestSupport.sluice, ["validate", dir + "/pipeline.yaml", "--plugin-path", plugins,
                                                                       "--plugin-path", testkit])
        XCTAssertEqual(validate.status, 0, validate.stderr)
        XCTAssertTrue(validate.stderr.contains("warning:") && validate.stderr.contains("\"second\""), validate.stderr)
        let list = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "list", "--plugin-path", plugins])
        XCTAssertTrue(list.stdout.contains("processor:route[first,second]"), list.stdout)
    }

    /// Held records are acked only once the result carrying their hold is
    /// written; records still held at the end are not acked at all.
    func testHeldRecordsAreAckedOnlyAfterTheirResultIsWritten() throws {
        let testkit = try testkitDir()
        for keep in [false, true] {
            let ackFile = dir + "/acks-\(keep).txt"
            let out = dir + "/held-\(keep).ndjson"
            let summary = try TestSupport.run("""
            engine: {tick_interval_ms: 20, batch: {max_records: 50, max_wait_ms: 10}, state_dir: \(dir)/state}
            sources:
              counter: {use: testkit.count, config: {count: 400, ack_file: \(ackFile)}}
            processors:
              hold: {use: stateful.hold, inputs: [counter], config: {hold_ticks: 3, keep_on_drain: \(keep)}}
            sinks:
              out: {use: file.write, inputs: [hold], config: {path: \(out)}}
            """, dir: dir, extraPluginDirs: [plugins, testkit])
            XCTAssertEqual(summary.read, 400)
            let written = TestSupport.lineCount(out)
            let acks = try String(contentsOfFile: ackFile, encoding: .utf8).split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            XCTAssertEqual(acks.first, 400)
            if keep {
                // The source ends at once; what the last ticks still held is neither written nor acked.
                XCTAssertLessThan(written, 400)
                XCTAssertLessThanOrEqual(acks.last!, written, "a record still held at shutdown was acked")
            } else {
                XCTAssertEqual(written, 400, "the last tick emits what is left")
                XCTAssertEqual(acks.last, 400)
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/state/hold"), "the processor's state directory was not created")
        }
    }

    func testStructsTooSmallAreRefusedWithTheComponentNamed() throws {
        for which in ["descriptor", "vtable"] {
            let small = dir + "/small-\(which)"
            try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
            let lib = try TestSupport.compileC(CPlugins.tooSmall(which), name: "sluice-small", dir: small)
            XCTAssertThrowsError(try TestSupport.loader(extra: [small]).load(path: lib)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("component \"p\""), text)
                XCTAssertTrue(text.contains(which == "descriptor" ? "descriptor struct_size 16 is too small" : "vtable struct_size 4 does not cover process"), text)
            }
        }
    }

    func testAComponentTheNoteDoesNotAnnounceIsRefused() throws {
        let odd = dir + "/odd"
        try FileManager.default.createDirectory(atPath: odd, withIntermediateDirectories: true)
        let source = CPlugins.stateful.replacingOccurrences(of: "\"processor:route[first,second] processor:hold\"", with: "\"processor:route[first] processor:hold\"")
        let lib = try TestSupport.compileC(source, name: "sluice-odd", dir: odd)
        XCTAssertThrowsError(try TestSupport.loader(extra: [odd]).load(path: lib)) { error in
            XCTAssertTrue("\(error)".contains("has outputs [first,second], but the ELF note says [first]"), "\(error)")
        }
    }

    /// Two counting sources into `stateful.route`, then `sinks` (YAML lines under `sinks:`).
    private func routeManifest(sinks: String) -> String {
        """
        sources:
          left: {use: testkit.count}
          right: {use: testkit.count}
        processors:
          route: {use: stateful.route, inputs: [left, right]}
        sinks:
        \(sinks)
        """
    }

    private func testkitDir() throws -> String {
        let path = dir + "/testkit"
        if !FileManager.default.fileExists(atPath: path + "/libsluice-testkit.so") {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: path)
        }
        return path
    }
}
