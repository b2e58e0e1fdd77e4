import Foundation
@testable import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `sluice dlq inspect` and `sluice dlq replay`: a schema rejects three of
/// ten records; once the schema is fixed, replay delivers exactly those
/// three through the component they failed at and on to the sink.
final class DeadLetterCommandTests: XCTestCase {
    private func manifest(_ dir: String, maximum: Int, out: String) -> String {
        """
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          in: {use: file.read, config: {path: \(dir)/in.ndjson}}
        processors:
          check:
            use: validator.validate
            inputs: [in]
            config: {schema: {type: object, required: [n, v], properties: {v: {type: number, maximum: \(maximum)}}}}
        sinks:
          out: {use: file.write, inputs: [check], config: {path: \(dir)/\(out)}}
        """
    }

    func testInspectCountsByReasonAndReplayDeliversTheFixedRecords() throws {
        let dir = TestSupport.tempDir("dlq")
        try (0 ..< 10).map { #"{"n":\#($0),"v":\#($0 * 2)}"# }.joined(separator: "\n").write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        try manifest(dir, maximum: 12, out: "out.ndjson").write(toFile: dir + "/strict.yaml", atomically: true, encoding: .utf8)
        try manifest(dir, maximum: 100, out: "replayed.ndjson").write(toFile: dir + "/fixed.yaml", atomically: true, encoding: .utf8)

        let first = try TestSupport.runProcess(TestSupport.sluice, ["run", dir + "/strict.yaml", "--no-progress"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(TestSupport.lineCount(dir + "/out.ndjson"), 7)

        let inspect = try TestSupport.runProcess(TestSupport.sluice, ["dlq", "inspect", dir + "/dead.ndjson"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("3 entries"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("  check: 3"), inspect.stdout)

        let refused = try TestSupport.runProcess(TestSupport.sluice, ["dlq", "replay", dir + "/dead.ndjson", "--into", dir + "/nowhere.yaml"])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        try manifest(dir, maximum: 100, out: "x.ndjson").replacingOccurrences(of: "check", with: "verify")
            .write(toFile: dir + "/renamed.yaml", atomically: true, encoding: .utf8)
        let unknown = try TestSupport.runProcess(TestSupport.sluice, ["dlq", "replay", dir + "/dead.ndjson", "--into", dir + "/renamed.yaml"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains(#""check""#), unknown.stderr)

        let replay = try TestSupport.runProcess(TestSupport.sluice, ["dlq", "replay", dir + "/dead.ndjson", "--into", dir + "/fixed.yaml"])
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/replayed.ndjson").map { $0["n"]!.integer! }, [7, 8, 9],
                       "exactly the dead-lettered records, and not the source's again")
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.replay.ndjson"), 0, "nothing failed again")
    }
}

/// What a dead-letter entry says about why a record failed.
final class DeadLetterEntryTests: XCTestCase {
    /// A file that cannot be read is reported with the system's reason
    /// (not just "cannot read"), without the usage text, and exit 2;
    /// `replay` logs it, as a JSON line with `--log-format json`.
    func testInspectingAMissingFileSaysWhy() throws {
        let dir = TestSupport.tempDir("dlq-missing")
        for (path, reason) in [(dir + "/nope.ndjson", "cannot open \(dir)/nope.ndjson: No such file or directory"),
                               (dir, "cannot read \(dir): Is a directory")] {
            let inspect = try TestSupport.runProcess(TestSupport.sluice, ["dlq", "inspect", path])
            XCTAssertEqual(inspect.status, 2, inspect.stderr)
            XCTAssertEqual(inspect.stderr, "error: \(reason)\n")
        }
        let replay = try TestSupport.runProcess(TestSupport.sluice, ["dlq", "replay", dir + "/nope.ndjson", "--into", dir + "/p.yaml", "--log-format", "json"])
        XCTAssertEqual(replay.status, 2, replay.stderr)
        let line = try XCTUnwrap(try JSONParser.parse(replay.stderr.trimmingCharacters(in: .newlines)).object, replay.stderr)
        XCTAssertEqual(line["level"]?.string, "error")
        XCTAssertEqual(line["message"]?.string, "cannot open \(dir)/nope.ndjson: No such file or directory")
    }

    /// A reason is what a server or library said, and it can repeat a
    /// password from the component's config or a URL's credentials: the
    /// entry masks them as log lines do.
    func testSecretsInAReasonAreMasked() throws {
        SecretRegistry.register(config: .object(JSONObject([(key: "password", value: .string("pa55-in-config"))])))
        let records = RecordBuffer()
        records.append([5, 0, 0, 0, 0])
        let reason = "auth failed for https://ops:hunter2@es.example:9200/_bulk with password pa55-in-config"
        let wrapped = DeadLetter.wrap(records, [.init(index: 0, reason: reason, errorClass: .rejected, attempts: 2)], stage: "es")
        let entry = wrapped.withRecord(0) { doc, _ in JSONWriter.string(BSONDocument(doc)) }
        XCTAssertFalse(entry.contains("hunter2"), entry)
        XCTAssertFalse(entry.contains("pa55-in-config"), entry)
        XCTAssertTrue(entry.contains("auth failed for https://ops:***@es.example:9200"), entry)
        XCTAssertTrue(entry.contains(#""error_class":"rejected""#) && entry.contains(#""attempts":2"#), entry)
    }
}
