import Foundation
import SluiceCore
import SluiceTestSupport
import XCTest

/// Manifests and schemas written to hurt the host: refused with a clear error,
/// never a hang or a crash. Regression cases for the issue's reports.
final class HostileManifestTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("hostile-manifest") }

    /// Nine anchors, each a list of nine aliases to the previous one: 619 bytes
    /// that expand to 9^9 leaves wherever the config is walked.
    static let aliasBomb: String = {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for i in 1 ... 8 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]") }
        lines.append("sources:\n  gen: {use: faker.generate, config: {profile: people, extra: *a8}}")
        return lines.joined(separator: "\n") + "\n"
    }()

    func testAliasBombIsRefused() throws {
        let (manifest, errors) = ManifestParser.read(text: Self.aliasBomb, file: dir + "/bomb.yaml", environment: [:])
        XCTAssertNil(manifest)
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors.first?.description.contains("expands to more than 1000000 nodes through its aliases") ?? false, "\(errors)")
        // `validate`, as a child: the error and exit 2, not a hang or an out-of-memory kill.
        try Self.aliasBomb.write(toFile: dir + "/bomb.yaml", atomically: true, encoding: .utf8)
        let r = try TestSupport.runProcess(TestSupport.sluice, ["validate", dir + "/bomb.yaml"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("expands to more than"), r.stderr)
    }

    /// Aliases as people use them (one config shared by several components) still work.
    func testOrdinaryAliasesStillWork() throws {
        let plan = try TestSupport.plan("""
        sources:
          a: {use: faker.generate, config: &people {profile: people, count: 3}}
          b: {use: faker.generate, config: *people}
        sinks:
          out: {use: file.write, inputs: [a, b], config: {path: /dev/null}}
        """, dir: dir)
        XCTAssertEqual(plan.nodes.map(\.spec.name).sorted(), ["a", "b", "out"])
    }

    /// 4,000 components plan in topological order with every edge kept, and a
    /// cycle among them is still found and named (the planner is linear now;
    /// its time is measured by bench/validate-scale.sh).
    func testThousandsOfComponentsPlanInOrder() throws {
        var yaml = "sources:\n"
        for i in 0 ..< 2000 { yaml += "  s\(i): {use: faker.generate, config: {profile: people}}\n" }
        yaml += "sinks:\n"
        for i in 0 ..< 2000 { yaml += "  k\(i): {use: file.write, inputs: [s\((i + 1) % 2000)], config: {path: /dev/null}}\n" }
        let plan = try TestSupport.plan(yaml, dir: dir)
        let position = Dictionary(uniqueKeysWithValues: plan.nodes.enumerated().map { ($0.element.spec.name, $0.offset) })
        XCTAssertEqual(position.count, 4000)
        for i in 0 ..< 2000 { XCTAssertLessThan(position["s\((i + 1) % 2000)"]!, position["k\(i)"]!) }

        var cyclic = "sources:\n  gen: {use: faker.generate, config: {profile: people}}\nprocessors:\n"
        for i in 0 ..< 1000 { cyclic += "  p\(i): {use: validator.validate, inputs: [\(i == 0 ? "gen, p999" : "p\(i - 1)")], config: {schema: {}}}\n" }
        cyclic += "sinks:\n  out: {use: file.write, inputs: [p5], config: {path: /dev/null}}\n"
        XCTAssertThrowsError(try TestSupport.plan(cyclic, dir: dir)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("cycle in the graph: p0 → p1 → p2"), String(text.prefix(300)))
            XCTAssertTrue(text.contains("p999 → p0"), String(text.suffix(300)))
            XCTAssertFalse(text.contains("out →"), "the sink downstream of the cycle is not part of it")
        }
    }

    private func validatorManifest(_ schema: String, input: String) -> String {
        """
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          in: {use: file.read, config: {path: \(input), format: ndjson}}
        processors:
          check: {use: validator.validate, inputs: [in], config: {schema: \(schema)}}
        sinks:
          out: {use: file.write, inputs: [check], config: {path: \(dir)/out.ndjson}}
        """
    }

    /// `{"$ref": "#"}` and a → b → a through allOf are refused by `validate`
    /// and `run` with the cycle named; `run` no longer overflows the stack.
    func testReferenceCyclesAreRefusedWithTheCycleNamed() throws {
        let input = dir + "/in.ndjson"
        try "{\"v\":1}\n".write(toFile: input, atomically: true, encoding: .utf8)
        let cases = [
            (##"{"$ref": "#"}"##, "# → #"),
            (##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##, "/$defs/a → /$defs/b"),
        ]
        for (schema, cycle) in cases {
            let file = dir + "/cycle.yaml"
            try validatorManifest(schema, input: input).write(toFile: file, atomically: true, encoding: .utf8)
            for command in ["validate", "run"] {
                let r = try TestSupport.runProcess(TestSupport.sluice, [command, file])
                XCTAssertEqual(r.status, 2, "\(command): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("reference cycle that never moves into the instance: \(cycle)"), r.stderr)
            }
        }
    }

    /// Recursion through a keyword that moves into the instance is legal: a
    /// tree of any depth validates, and a bad node deep inside is dead-lettered.
    func testRecursionThroughPropertiesStillValidates() throws {
        let input = dir + "/in.ndjson"
        try """
        {"v":1,"next":{"v":2,"next":{"v":3}}}
        {"v":1,"next":{"v":2,"next":{"w":3}}}

        """.write(toFile: input, atomically: true, encoding: .utf8)
        let schema = ##"{"required": ["v"], "properties": {"next": {"$ref": "#"}}}"##
        let summary = try TestSupport.run(validatorManifest(schema, input: input), dir: dir)
        XCTAssertEqual(TestSupport.lineCount(dir + "/out.ndjson"), 1, "\(summary)")
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.ndjson"), 1)
    }
}
