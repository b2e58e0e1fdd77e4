import Foundation
import SluiceTestSupport
import XCTest

/// The mistakes a newcomer makes first, each run through the real `sluice`
/// binary: every one exits with the code the README's table documents and
/// names the manifest line that caused it.
final class NewcomerMistakesTests: XCTestCase {
    var dir = ""

    override func setUp() {
        dir = TestSupport.tempDir("mistakes")
    }

    struct Mistake {
        let name: String
        let command: String
        let manifest: String
        let exitCode: Int32
        /// The manifest line the message must point at.
        let line: Int
        let says: String
    }

    private let faker = "sources:\n  gen:\n    use: faker.generate\n"
    private let sink = "sinks:\n  out:\n    use: file.discard\n    inputs: [gen]\n"

    /// `file.read` of `path` into the discarding sink; `path` is on line 4.
    private func fileRead(_ path: String) -> String {
        "sources:\n  gen:\n    use: file.read\n    config: {path: \(path)}\n" + sink
    }

    /// Ten people to `kafka.write` at `brokers`; the sink is declared on line 6.
    private func kafkaWrite(_ brokers: String) -> String {
        "sources:\n  gen:\n    use: faker.generate\n    config: {profile: people, count: 10}\n"
            + "sinks:\n  out:\n    use: kafka.write\n    inputs: [gen]\n"
            + "    config: {brokers: \"\(brokers)\", topic: people}\n"
            + "engine: {startup_timeout_ms: 1500}\n"
    }

    func testEachMistakeGivesItsExitCodeAndLine() throws {
        let folder = dir + "/a-folder"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // zlib is essential on Debian: a shared library that is not a Sluice plugin.
        let foreign = try XCTUnwrap(["/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"].first {
            FileManager.default.fileExists(atPath: $0)
        }, "no libz.so.1 found to stand in for a foreign shared library")
        let down = try ManagedServer.freePort()
        let http = try ManagedServer.sensorSimulator([], logDir: dir)
        try http.start()
        defer { http.stop() }
        let mistakes: [Mistake] = [
            Mistake(name: "typo in a key", command: "validate",
                    manifest: faker + "    config: {profile: people, cuont: 5}\n" + sink,
                    exitCode: 2, line: 4, says: "did you mean 'count'?"),
            Mistake(name: "wrong plugin name", command: "validate",
                    manifest: "sources:\n  gen:\n    use: fakr.generate\n    config: {profile: people}\n" + sink,
                    exitCode: 2, line: 3, says: "fakr"),
            Mistake(name: "missing input file", command: "validate",
                    manifest: fileRead("no-such.ndjson"),
                    exitCode: 2, line: 4, says: "no-such.ndjson: No such file"),
            Mistake(name: "bad indentation", command: "validate",
                    manifest: faker + "    config: {profile: people}\n  sinks:\n out:\n", exitCode: 2, line: 6, says: "invalid YAML"),
            Mistake(name: "a tab", command: "validate",
                    manifest: faker + "\tconfig: {profile: people}\n" + sink, exitCode: 2, line: 4, says: "a tab"),
            Mistake(name: "wrong value type", command: "validate",
                    manifest: faker + "    config: {profile: people, count: ten}\n" + sink,
                    exitCode: 2, line: 4, says: "wrong type"),
            Mistake(name: "a directory as input", command: "validate",
                    manifest: fileRead("a-folder"),
                    exitCode: 2, line: 4, says: "is a directory"),
            Mistake(name: "missing env var", command: "validate",
                    manifest: fileRead("\"${NO_SUCH_VAR_X}\""),
                    exitCode: 2, line: 4, says: "NO_SUCH_VAR_X is not set"),
            Mistake(name: "a server that is down", command: "run",
                    manifest: kafkaWrite("127.0.0.1:\(down)"), exitCode: 1, line: 6, says: "127.0.0.1:\(down)"),
            Mistake(name: "a misspelt librdkafka property", command: "validate",
                    manifest: faker + "    config: {profile: people}\n"
                        + "sinks:\n  out:\n    use: kafka.write\n    inputs: [gen]\n"
                        + "    config:\n      brokers: 127.0.0.1:9\n      topic: t\n      librdkafka: {sasl.mechanismz: PLAIN}\n",
                    exitCode: 2, line: 12, says: "librdkafka.sasl.mechanismz: No such configuration property"),
            Mistake(name: "a wrong port", command: "run",
                    manifest: kafkaWrite("127.0.0.1:\(http.port)"), exitCode: 1, line: 6,
                    says: "no Kafka broker answered at 127.0.0.1:\(http.port)"),
            Mistake(name: "a foreign .so", command: "validate",
                    manifest: "plugins:\n  - path: \(foreign)\n" + faker + "    config: {profile: people}\n" + sink,
                    exitCode: 2, line: 2, says: "libz.so.1"),
        ]
        var failures: [String] = []
        for m in mistakes {
            let file = dir + "/\(m.name.replacingOccurrences(of: " ", with: "-")).yaml"
            try m.manifest.write(toFile: file, atomically: true, encoding: .utf8)
            let r = try TestSupport.runProcess(TestSupport.sluice, [m.command, file], cwd: dir)
            let at = "\(file):\(m.line):"
            if r.status != m.exitCode || !r.stderr.contains(at) || !r.stderr.contains(m.says) {
                failures.append("\(m.name): exit \(r.status) (want \(m.exitCode)), want \(at) and \(m.says.debugDescription) in:\n\(r.stderr)")
            }
        }
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n\n"))
    }

    /// A run where most records fail says so while it runs, with the first
    /// reasons, not only at exit.
    func testDeadLetterRatioWarnsWhileRunning() throws {
        let file = dir + "/ratio.yaml"
        try """
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          gen: {use: faker.generate, config: {profile: people, count: 900, rate: 300}}
        processors:
          strict: {use: validator.validate, inputs: [gen], config: {schema: {required: [no_such_field]}}}
        sinks:
          out: {use: file.discard, inputs: [strict]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try TestSupport.runProcess(TestSupport.sluice, ["run", file, "--no-progress"], cwd: dir)
        XCTAssertEqual(r.status, 3, r.stderr)
        let warning = r.stderr.split(separator: "\n").first { $0.contains("records read so far went to the dead-letter queue") }
        XCTAssertNotNil(warning, r.stderr)
        XCTAssertTrue(warning?.contains("First reasons: strict:") == true, r.stderr)
        XCTAssertTrue(r.stderr.contains("first reason: strict:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("dead letters (each with its reason): \(dir)/dead.ndjson"), r.stderr)
    }

    /// One pass reports the errors of every layer: a structural error does not hide a config typo.
    func testValidateReportsEveryLayerAtOnce() throws {
        let file = dir + "/layers.yaml"
        try (faker + "    config: {profile: people, cuont: 5}\n    batsh: 3\n"
            + "processors:\n  v:\n    use: validator.validate\n    inputs: [gen]\n    config: {schema_file: missing.json}\n" + sink)
            .write(toFile: file, atomically: true, encoding: .utf8)
        let r = try TestSupport.runProcess(TestSupport.sluice, ["validate", file])
        XCTAssertEqual(r.status, 2, r.stderr)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("\(file):4:") && $0.contains("did you mean 'count'") }, r.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("\(file):5:") && $0.contains("did you mean 'batch'") }, r.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("\(file):10:") && $0.contains("cannot read \(dir)/missing.json") }, r.stderr)
    }
}
