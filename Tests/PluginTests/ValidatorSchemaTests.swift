import Foundation
import SluiceSDK
import SluiceTestSupport
import ValidatorPlugin
import XCTest

/// The validator's schema options end to end: format assertion, the error
/// cap, references to files, and bad schemas refused before anything runs.
final class ValidatorSchemaTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("validator-schema") }

    private func input(_ records: [String], in dir: String? = nil) throws {
        try (records.joined(separator: "\n") + "\n").write(toFile: (dir ?? self.dir) + "/in.ndjson", atomically: true, encoding: .utf8)
    }

    /// file.read → validator.validate (with `validatorConfig`) → file.write, dead letters in dlq.ndjson.
    private func pipeline(_ validatorConfig: String, in dir: String? = nil) -> String {
        let dir = dir ?? self.dir
        return """
        sources:
          in:
            use: file.read
            config: {path: \(dir)/in.ndjson, format: ndjson}
        processors:
          check:
            use: validator.validate
            inputs: [in]
            config:
        \(validatorConfig.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        sinks:
          out:
            use: file.write
            inputs: [check]
            config: {path: \(dir)/out.ndjson}
          dlq:
            use: file.write
            config: {path: \(dir)/dlq.ndjson}
        dead_letter: dlq
        """
    }

    func testFormatAssertsOnlyWhenAskedAndReasonsAreCapped() throws {
        try input([#"{"email": "2962", "n": 1}"#, #"{"email": "a@example.com", "n": 2}"#, #"{"email": "x", "n": -1, "m": "s"}"#])
        _ = try TestSupport.run(pipeline("""
        format_assertion: true
        max_errors: 2
        schema: {properties: {email: {format: email}, n: {minimum: 0}, m: {type: integer}}}
        """), dir: dir)
        XCTAssertEqual(TestSupport.lineCount(dir + "/out.ndjson"), 1)
        let reasons = try TestSupport.readNDJSON(dir + "/dlq.ndjson").compactMap { $0["reason"]?.string }
        XCTAssertEqual(reasons.count, 2)
        XCTAssertTrue(reasons[0].contains("/email: \"2962\" is not a valid email (at /properties/email/format)"), reasons[0])
        // Three failures in the third record, two reported.
        XCTAssertEqual(reasons[1].components(separatedBy: "; ").count, 2, reasons[1])

        // The default: format annotates, so "2962" passes.
        let annotate = TestSupport.tempDir("validator-annotate")
        try input([#"{"email": "2962"}"#], in: annotate)
        _ = try TestSupport.run(pipeline("schema: {properties: {email: {format: email}}}", in: annotate), dir: annotate)
        XCTAssertEqual(TestSupport.lineCount(annotate + "/out.ndjson"), 1)
    }

    /// Without a schema, parse or coerce, every record passes on as it was read.
    func testWithoutASchemaEveryRecordPassesOnAsItIs() throws {
        let lines = [#"{"n": 1}"#, #"{"n":"x","m":[1,2]}"#, #"{}"#]
        try input(lines)
        _ = try TestSupport.run(pipeline("max_errors: 3"), dir: dir)
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.ndjson", encoding: .utf8), lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(TestSupport.lineCount(dir + "/dlq.ndjson"), 0)
    }

    func testSchemaFileRefersToItsNeighbours() throws {
        try FileManager.default.createDirectory(atPath: dir + "/schemas", withIntermediateDirectories: true)
        try #"{"type": "object", "properties": {"id": {"type": "integer"}}, "unevaluatedProperties": false}"#
            .write(toFile: dir + "/schemas/base.json", atomically: true, encoding: .utf8)
        try #"{"$ref": "base.json"}"#.write(toFile: dir + "/schemas/main.json", atomically: true, encoding: .utf8)
        try input([#"{"id": 1}"#, #"{"id": 2, "extra": true}"#])
        _ = try TestSupport.run(pipeline("schema_file: \(dir)/schemas/main.json"), dir: dir)
        XCTAssertEqual(TestSupport.lineCount(dir + "/out.ndjson"), 1)
        let reasons = try TestSupport.readNDJSON(dir + "/dlq.ndjson").compactMap { $0["reason"]?.string }
        XCTAssertTrue(reasons.first?.contains("/extra: unevaluated property \"extra\"") == true, "\(reasons)")
    }

    func testValidateRefusesBadSchemasAtTheirLines() throws {
        try ##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##.write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        let manifest = dir + "/pipeline.yaml"
        try """
        sources:
          gen:
            use: faker.generate
            config: {profile: people, count: 1}
        processors:
          inline:
            use: validator.validate
            inputs: [gen]
            config:
              schema:
                properties:
                  age: {type: integr}
          fromfile:
            use: validator.validate
            inputs: [gen]
            config:
              schema_file: \(dir)/bad.json
        sinks:
          out:
            use: file.discard
            inputs: [inline, fromfile]
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try TestSupport.runProcess(TestSupport.sluice, ["validate", manifest])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("pipeline.yaml:12:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("processors.inline.config.schema.properties.age.type: invalid schema at /properties/age/type: unknown type \"integr\""), r.stderr)
        XCTAssertTrue(r.stderr.contains("pipeline.yaml:17:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("processors.fromfile.config.schema_file: invalid schema at /properties/a/$ref: $ref \"#/$defs/missing\" points nowhere"),
                      r.stderr)
    }

    func testCompileReadsTheOptions() throws {
        let config = Config((["schema": ["$ref": "types.json"], "schema_dir": .string(dir), "format_assertion": true] as JSONValue).object!)
        XCTAssertThrowsError(try ValidatorProcessor.compile(config)) { error in
            XCTAssertTrue("\(error)".contains("cannot read \(dir)/types.json"), "\(error)")
        }
        try #"{"format": "ipv4"}"#.write(toFile: dir + "/types.json", atomically: true, encoding: .utf8)
        let schema = try XCTUnwrap(ValidatorProcessor.compile(config))
        XCTAssertEqual(schema.validate(.string("1.2.3.4")), [])
        XCTAssertEqual(schema.validate(.string("1.2.3")).map(\.keyword), ["format"])
    }

    /// Formats in a plugin's own config schema stay checks: only record schemas default to annotation.
    func testPluginConfigFormatsStillAssert() throws {
        XCTAssertThrowsError(try TestSupport.plan("""
        sources:
          gen:
            use: faker.generate
            config: {profile: people, count: 1, start_time: yesterday}
        sinks:
          out:
            use: file.discard
            inputs: [gen]
        """, dir: dir)) { error in
            XCTAssertTrue("\(error)".contains("sources.gen.config.start_time: \"yesterday\" is not a valid date-time"), "\(error)")
        }
    }

    /// run plans like validate: a bad schema stops it before any record moves, with the invalid-manifest code.
    func testRunRefusesABadSchemaWithTheManifestCode() throws {
        let manifest = dir + "/run.yaml"
        try """
        sources:
          gen:
            use: faker.generate
            config: {profile: people, count: 10}
        processors:
          check:
            use: validator.validate
            inputs: [gen]
            config: {schema: {$ref: "#"}}
        sinks:
          out:
            use: file.discard
            inputs: [check]
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("reference cycle that never moves into the instance"), r.stderr)
    }
}
