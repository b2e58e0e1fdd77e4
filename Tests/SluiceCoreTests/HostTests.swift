import Foundation
import SluiceTestSupport
import XCTest

/// The `sluice` executable: signals, CLI commands, scaffolding.
final class HostTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("host") }

    func testSIGTERMDrainsWithoutLoss() throws {
        let manifest = dir + "/p.yaml"
        try """
        sources:
          gen:
            use: faker.generate
            config: {profile: beach_sensor, seed: 4, rate: 3000}
        sinks:
          out:
            use: file.write
            inputs: [gen]
            config: {path: \(dir)/out.ndjson}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let log = dir + "/stderr.log"
        let p = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: log)
        Thread.sleep(forTimeInterval: 1.5)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let output = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertEqual(p.terminationStatus, 0, output)
        let read = output.range(of: "; read ").flatMap { Int(output[$0.upperBound...].prefix { $0.isNumber }) }
        XCTAssertNotNil(read, output)
        XCTAssertGreaterThan(read ?? 0, 1000)
        XCTAssertEqual(TestSupport.lineCount(dir + "/out.ndjson"), read, "records read but not written")
    }

    func testValidateReportsErrorsWithLocation() throws {
        let manifest = dir + "/bad.yaml"
        try "sources:\n  gen:\n    use: faker.generate\n    config: {profile: people, cuont: 1}\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try TestSupport.runProcess(TestSupport.sluice, ["validate", manifest])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad.yaml:4:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("sources.gen.config.cuont: unknown config key; did you mean 'count'?"), r.stderr)
        let ok = try TestSupport.runProcess(TestSupport.sluice, ["validate", TestSupport.repoRoot + "/examples/demo.yaml"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("OK (1 source(s), 1 processor(s), 2 sink(s))"), ok.stdout)
    }

    func testEveryExampleManifestValidates() throws {
        let dir = TestSupport.repoRoot + "/examples"
        let examples = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(examples.count, 3)
        for file in examples {
            let r = try TestSupport.runProcess(TestSupport.sluice, ["validate", dir + "/" + file])
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
        }
    }

    func testPluginsListAndInspect() throws {
        let list = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "list"])
        XCTAssertEqual(list.status, 0)
        for expected in ["faker", "validator", "file", "source:generate", "processor:validate", "source:read sink:write"] {
            XCTAssertTrue(list.stdout.contains(expected), list.stdout)
        }
        let inspect = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "inspect", TestSupport.buildDir + "/libsluice-faker.so"])
        XCTAssertEqual(inspect.status, 0)
        XCTAssertTrue(inspect.stdout.contains("abi:         1.1 (host speaks 1.1)"), inspect.stdout)
        let notPlugin = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "inspect", "/bin/ls"])
        XCTAssertEqual(notPlugin.status, 3)
        XCTAssertTrue(notPlugin.stderr.contains("refused: /bin/ls: is an executable"), notPlugin.stderr)
    }

    func testCPluginScaffoldBuildsAndRuns() throws {
        let made = try TestSupport.runProcess(TestSupport.sluice, ["new-plugin", "my-filter", "--lang", "c", "--output", dir, "--sdk", TestSupport.repoRoot])
        XCTAssertEqual(made.status, 0, made.stderr)
        let build = try TestSupport.runProcess("/usr/bin/make", ["-C", dir + "/my-filter"])
        XCTAssertEqual(build.status, 0, build.stderr)
        let run = try TestSupport.runProcess(TestSupport.sluice, ["run", "example.yaml", "--no-progress"], cwd: dir + "/my-filter")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.split(separator: "\n").count, 10, "the default output of route: \(run.stdout)")
        XCTAssertEqual(TestSupport.lineCount(dir + "/my-filter/rest.ndjson"), 5, "route.rest: the second input's records")
        XCTAssertTrue(run.stderr.contains("read 15, dead-lettered 0"), run.stderr)
    }

    func testHelpDescribesCommands() throws {
        let help = try TestSupport.runProcess(TestSupport.sluice, ["--help"])
        for command in ["run", "validate", "plugins", "new-plugin"] { XCTAssertTrue(help.stdout.contains(command), help.stdout) }
    }
}
