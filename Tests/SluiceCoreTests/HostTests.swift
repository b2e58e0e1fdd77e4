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

    /// From a working directory that is not the repository: paths in a
    /// manifest are relative to the manifest's folder.
    func testEveryExampleManifestValidatesFromAnotherDirectory() throws {
        let examples = TestSupport.repoRoot + "/examples"
        let files = try FileManager.default.contentsOfDirectory(atPath: examples).filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(files.count, 3)
        for file in files {
            let r = try TestSupport.runProcess(TestSupport.sluice, ["validate", examples + "/" + file], cwd: dir)
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
        }
    }

    /// The examples that need no server run from another directory and write where they say.
    func testServerlessExamplesRunFromAnotherDirectory() throws {
        for (file, output) in [("demo.yaml", "demo-clean.ndjson"), ("beach-csv-clean.yaml", "beach-clean.ndjson"),
                               ("beach-csv-forecast.yaml", "beach-forecast.ndjson"),
                               ("orders-payments-join-local.yaml", "orders-payments.ndjson")] {
            let out = dir + "/" + file
            var env = ProcessInfo.processInfo.environment
            env["SLUICE_OUT"] = out
            let r = try TestSupport.runProcess(TestSupport.sluice, ["run", TestSupport.repoRoot + "/examples/" + file, "--no-progress"],
                                               cwd: dir, environment: env)
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
            XCTAssertGreaterThan(TestSupport.lineCount(out + "/" + output), 0, "\(file) wrote nothing to \(output)")
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
        XCTAssertTrue(inspect.stdout.contains("abi:         1.8 (host speaks 1.8)"), inspect.stdout)
        let byName = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "inspect", "faker"])
        XCTAssertEqual(byName.status, 0, byName.stderr)
        XCTAssertTrue(byName.stdout.contains("file:        \(TestSupport.buildDir)/libsluice-faker.so"), byName.stdout)
        let unknown = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "inspect", "fakr"])
        XCTAssertEqual(unknown.status, 2, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("did you mean 'faker'?"), unknown.stderr)
        let notPlugin = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "inspect", "/bin/ls"])
        XCTAssertEqual(notPlugin.status, 2)
        XCTAssertTrue(notPlugin.stderr.contains("refused: /bin/ls: is an executable"), notPlugin.stderr)
    }

    /// `explain` renders a component's reference from the schema it publishes.
    func testExplainPrintsAComponentsConfigReference() throws {
        let r = try TestSupport.runProcess(TestSupport.sluice, ["explain", "file.read"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("file.read (source): "), r.stdout)
        let path = r.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("path ") }
        XCTAssertTrue(path?.contains("string (path)") == true && path?.contains("required") == true, r.stdout)
        XCTAssertTrue(r.stdout.contains("example:\n  sources:\n    my-read:\n      use: file.read\n      config:\n        path: <string (path)>"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\nworkers: N readers split the input"), "a source that splits its input says so: \(r.stdout)")
        let join = try TestSupport.runProcess(TestSupport.sluice, ["explain", "join.join"])
        XCTAssertTrue(join.stdout.contains("outputs: default, late"), join.stdout)
        XCTAssertFalse(join.stdout.contains("workers: N readers"), join.stdout)
        XCTAssertTrue(join.stdout.contains("left.key"), "a $ref'd sub-schema is expanded: \(join.stdout)")
        let plugin = try TestSupport.runProcess(TestSupport.sluice, ["explain", "kafka"])
        XCTAssertTrue(plugin.stdout.contains("kafka.read") && plugin.stdout.contains("kafka.write"), plugin.stdout)
        let discard = try TestSupport.runProcess(TestSupport.sluice, ["explain", "file.discard"])
        XCTAssertTrue(discard.stdout.contains("config: none (the component takes no keys)"), "a schema that allows no keys: \(discard.stdout)")
        let typo = try TestSupport.runProcess(TestSupport.sluice, ["explain", "file.raed"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("did you mean 'read'?"), typo.stderr)
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

    /// The examples in SDK/examples are what `new-plugin` writes: a change to one is made to both.
    func testSDKExamplesMatchTheScaffolds() throws {
        for (name, lang, files) in [("c-pass", "c", ["c_pass.c", "example.yaml"]),
                                    ("swift-pass", "swift", ["Sources/SwiftPass/SwiftPass.swift", "Sources/SwiftPassEntry/entry.c", "example.yaml"])] {
            let made = try TestSupport.runProcess(TestSupport.sluice, ["new-plugin", name, "--lang", lang, "--output", dir, "--sdk", TestSupport.repoRoot])
            XCTAssertEqual(made.status, 0, made.stderr)
            for file in files {
                let scaffold = try String(contentsOfFile: "\(dir)/\(name)/\(file)", encoding: .utf8)
                let example = try String(contentsOfFile: "\(TestSupport.repoRoot)/SDK/examples/\(name)/\(file)", encoding: .utf8)
                XCTAssertEqual(scaffold, example, "SDK/examples/\(name)/\(file) differs from what new-plugin writes")
            }
        }
    }

    /// No silent success: a run that delivers nothing exits non-zero and says why.
    func testARunThatDeliversNothingFailsWithTheReason() throws {
        func run(_ input: String) throws -> TestSupport.ProcessResult {
            let manifest = dir + "/nothing.yaml"
            try """
            engine: {dead_letter_path: \(dir)/dead.ndjson}
            sources:
              in: {use: file.read, config: {path: "\(input)", format: ndjson}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(dir)/out.ndjson}}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
            return try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress"])
        }
        let directory = try run(dir)
        XCTAssertEqual(directory.status, 2, directory.stderr)
        XCTAssertTrue(directory.stderr.contains("nothing.yaml:3:"), directory.stderr)
        XCTAssertTrue(directory.stderr.contains("is a directory; file.read reads one file"), directory.stderr)

        try "".write(toFile: dir + "/empty.ndjson", atomically: true, encoding: .utf8)
        let empty = try run(dir + "/empty.ndjson")
        XCTAssertEqual(empty.status, 3, empty.stderr)
        XCTAssertTrue(empty.stderr.contains("error: nothing was delivered: the sources read nothing"), empty.stderr)

        try "not json\n{oops\n".write(toFile: dir + "/bad.ndjson", atomically: true, encoding: .utf8)
        let bad = try run(dir + "/bad.ndjson")
        XCTAssertEqual(bad.status, 3, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("every record failed (2 of 2 read went to the dead-letter queue"), bad.stderr)
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.ndjson"), 2, "the reasons are still kept")

        try "{\"a\":1}\nnot json\n".write(toFile: dir + "/mixed.ndjson", atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(dir + "/mixed.ndjson").status, 0, "half delivered is within max_dead_letter_ratio")

        try "{\"a\":1}\nnot json\n[]\n".write(toFile: dir + "/worse.ndjson", atomically: true, encoding: .utf8)
        let worse = try run(dir + "/worse.ndjson")
        XCTAssertEqual(worse.status, 3, worse.stderr)
        XCTAssertTrue(worse.stderr.contains("2 of 3 records read (67%) went to the dead-letter queue, more than engine.max_dead_letter_ratio (0.5)"),
                      worse.stderr)
    }

    /// A sink that never recovers cannot hold a SIGTERM drain past
    /// `drain_timeout_ms`: the process exits within it (plus slack), with
    /// every record read in the dead-letter file.
    func testTheDrainIsBoundedByTheDrainTimeoutForTheWholeRun() throws {
        let plugins = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: plugins)
        let manifest = dir + "/stuck.yaml"
        try """
        engine: {drain_timeout_ms: 2000, initial_backoff_ms: 50, max_backoff_ms: 5000, dead_letter_path: \(dir)/dead.ndjson,
                 batch: {max_records: 100, max_wait_ms: 20}}
        sources:
          gen: {use: faker.generate, config: {profile: beach_sensor, seed: 2, rate: 2000}}
        sinks:
          stuck: {use: testkit.slow, inputs: [gen], config: {fail_first: 1000000000}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let log = dir + "/stuck.log"
        let p = try TestSupport.launch(["run", manifest, "--no-progress", "--plugin-path", plugins], stderr: log)
        Thread.sleep(forTimeInterval: 1.5)
        let signalled = Date()
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let took = Date().timeIntervalSince(signalled)
        let output = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertLessThan(took, 2.0 + 2.0, "the drain outlived drain_timeout_ms: \(output)")
        XCTAssertEqual(p.terminationStatus, 3, "nothing was delivered, so the run must not succeed: \(output)")
        let read = output.range(of: "; read ").flatMap { Int(output[$0.upperBound...].prefix { $0.isNumber }) }
        XCTAssertGreaterThan(read ?? 0, 0, output)
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.ndjson"), read, "records read but neither written nor dead-lettered")
        XCTAssertTrue(try String(contentsOfFile: dir + "/dead.ndjson", encoding: .utf8).contains("not written before the drain timeout"))
    }

    /// A second signal cuts a long drain short with 128 + the signal.
    func testASecondSignalExitsAtOnceWithItsCode() throws {
        let plugins = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: plugins)
        let manifest = dir + "/stuck.yaml"
        try """
        engine: {drain_timeout_ms: 60000, dead_letter_path: \(dir)/dead.ndjson}
        sources:
          gen: {use: faker.generate, config: {profile: beach_sensor, seed: 2, rate: 2000}}
        sinks:
          stuck: {use: testkit.slow, inputs: [gen], config: {fail_first: 1000000000}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let p = try TestSupport.launch(["run", manifest, "--no-progress", "--plugin-path", plugins])
        Thread.sleep(forTimeInterval: 1.0)
        kill(p.processIdentifier, SIGTERM)
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertTrue(p.isRunning, "the first signal must drain, not exit")
        let second = Date()
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(second), 2)
        XCTAssertEqual(p.terminationStatus, 128 + SIGTERM)
    }

    func testHelpDescribesCommands() throws {
        let help = try TestSupport.runProcess(TestSupport.sluice, ["--help"])
        for command in ["run", "validate", "explain", "plugins", "new-plugin"] { XCTAssertTrue(help.stdout.contains(command), help.stdout) }
        let runHelp = try TestSupport.runProcess(TestSupport.sluice, ["run", "--help"])
        XCTAssertTrue(runHelp.stdout.contains("(default: when stderr is a"), runHelp.stdout)
        XCTAssertFalse(runHelp.stdout.contains("(default: --"), "the progress default is computed at run time: \(runHelp.stdout)")
        let bad = try TestSupport.runProcess(TestSupport.sluice, ["run", "--no-such-option", "x.yaml"])
        XCTAssertEqual(bad.status, 64, "a bad command line exits 64 (EX_USAGE), as the README's table says")
    }
}
