import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Every class of manifest error names the file, the line and the key.
final class ManifestTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("manifest") }

    /// Plans `yaml`, expecting failure; returns the error lines.
    private func errors(_ yaml: String, environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) -> [ManifestError] {
        do {
            _ = try TestSupport.plan(yaml, dir: dir, environment: environment)
            XCTFail("expected the manifest to be refused", file: file, line: line)
        } catch let e as ManifestErrors {
            return e.errors
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return []
    }

    private func expect(_ yaml: String, line: Int, key: String, contains text: String, environment: [String: String] = [:],
                        file: StaticString = #filePath, testLine: UInt = #line)
    {
        let found = errors(yaml, environment: environment, file: file, line: testLine)
        let match = found.first { $0.key == key }
        XCTAssertNotNil(match, "no error for key \(key) in \(found)", file: file, line: testLine)
        XCTAssertEqual(match?.location?.line, line, "\(found)", file: file, line: testLine)
        XCTAssertTrue(match?.location?.file.hasSuffix("pipeline.yaml") ?? false, file: file, line: testLine)
        XCTAssertTrue(match?.message.contains(text) ?? false, "\(match?.message ?? "") lacks \(text)", file: file, line: testLine)
        XCTAssertTrue(match?.description.contains("pipeline.yaml:\(line):") ?? false, file: file, line: testLine)
    }

    let base = """
    sources:
      gen:
        use: faker.generate
        config: {profile: people, count: 1}
    """

    func testValidManifestPlans() throws {
        let plan = try TestSupport.plan(base + "\nsinks:\n  out:\n    use: file.write\n    inputs: [gen]\n    config: {path: /dev/null}\n", dir: dir)
        XCTAssertEqual(plan.nodes.map(\.spec.name), ["gen", "out"])
        XCTAssertEqual(plan.routes(of: "gen").map { $0.map(\.consumer) }, [["out"]])
    }

    func testBufferAndRetryKeysAreChecked() throws {
        let sink = "\nsinks:\n  out:\n    use: file.write\n    inputs: [gen]\n    config: {path: /dev/null}\n"
        expect(base + sink + "    buffer: {type: disc}\n", line: 10, key: "sinks.out.buffer.type", contains: "expected one of memory, disk")
        expect(base + sink + "    buffer: {type: disk, max_bytes: 10}\n", line: 10, key: "sinks.out.buffer.max_bytes", contains: "expected an integer ≥ 4096")
        expect(base + sink + "    retry: {max_attemps: 3}\n", line: 10, key: "sinks.out.retry.max_attemps", contains: "did you mean 'max_attempts'")
        expect(base + "\n    buffer: {type: disk}" + sink, line: 5, key: "sources.gen.buffer", contains: "only a sink has a buffer")
        let plan = try TestSupport.plan(base + sink + "    buffer: {type: disk, path: buf}\n    retry: {max_attempts: 3, breaker_failures: 0}\n", dir: dir)
        let out = try XCTUnwrap(plan.nodes.first { $0.spec.name == "out" }?.spec)
        XCTAssertEqual(out.buffer?.kind, .disk)
        XCTAssertEqual(out.buffer?.path, dir + "/buf", "a buffer path is relative to the manifest")
        XCTAssertEqual(out.retry?.maxAttempts, 3)
        XCTAssertEqual(out.retry?.breakerFailures, 0)
    }

    /// A leading `~/` is the home folder, as in a shell: no shell expands a
    /// path written in a manifest, and `~/x` made a folder named `~`.
    func testATildePathIsInTheHomeFolder() throws {
        XCTAssertEqual(ManifestPaths.resolve("~/data/out.ndjson", relativeTo: "/m/p.yaml", home: "/home/u"), "/home/u/data/out.ndjson")
        XCTAssertEqual(ManifestPaths.resolve("~", relativeTo: "/m/p.yaml", home: "/home/u/"), "/home/u")
        XCTAssertEqual(ManifestPaths.resolve("~other/x", relativeTo: "/m/p.yaml", home: "/home/u"), "/m/~other/x", "only the user's own home")
        XCTAssertEqual(ManifestPaths.resolve("a/~/b", relativeTo: "/m/p.yaml", home: "/home/u"), "/m/a/~/b")
        // $HOME, not the password database's home: set it as a user would.
        let saved = getenv("HOME").map { String(cString: $0) }
        defer { if let saved { setenv("HOME", saved, 1) } else { unsetenv("HOME") } }
        try FileManager.default.createDirectory(atPath: dir + "/home", withIntermediateDirectories: true)
        setenv("HOME", dir + "/home", 1)
        let plan = try TestSupport.plan(base + "\nsinks:\n  out: {use: file.write, inputs: [gen], config: {path: ~/sluice-out.ndjson}}\n" +
                                        "engine: {dead_letter_path: ~/sluice-dead.ndjson}\n", dir: dir)
        XCTAssertEqual(plan.nodes.first { $0.spec.name == "out" }?.spec.config["path"]?.string, dir + "/home/sluice-out.ndjson")
        XCTAssertEqual(plan.settings.deadLetterPath, dir + "/home/sluice-dead.ndjson")
        setenv("HOME", "", 1)
        let passwd = String(cString: getpwuid(getuid())!.pointee.pw_dir!)
        XCTAssertEqual(ManifestPaths.resolve("~/x", relativeTo: "/m/p.yaml"), URL(fileURLWithPath: passwd).appendingPathComponent("x").standardizedFileURL.path,
                       "an empty HOME is no home: the password database's")
    }

    /// The paths the host writes are checked when the manifest is read, so
    /// `validate` reports them instead of the first dead letter failing.
    func testUnwritablePathsAreReported() throws {
        let locked = dir + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: locked)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked) }
        let file = dir + "/a-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        expect("engine: {dead_letter_path: \(dir)}\n" + base, line: 1, key: "engine.dead_letter_path", contains: "is a folder, not a file")
        expect("engine: {state_dir: \(file)/sub}\n" + base, line: 1, key: "engine.state_dir", contains: "is not a folder")
        let sink = "\nsinks:\n  out:\n    use: file.write\n    inputs: [gen]\n    config: {path: /dev/null}\n"
        // Root may write a mode-500 folder; no one may create files in /proc/1.
        let readOnly = getuid() == 0 ? "/proc/1" : locked
        expect("engine: {dead_letter_path: \(readOnly)/dead.ndjson}\n" + base, line: 1, key: "engine.dead_letter_path", contains: "not writable")
        expect(base + sink + "    buffer: {type: disk, path: \(readOnly)/buf}\n", line: 10, key: "sinks.out.buffer.path", contains: "not writable")
        _ = try TestSupport.plan("engine: {dead_letter_path: new/folder/dead.ndjson}\n" + base + sink, dir: dir)
    }

    func testInvalidYAML() {
        expect("sources:\n  gen: [unclosed\n", line: 3, key: "", contains: "invalid YAML")
    }

    /// The schema's errors and the component's own check come in one pass:
    /// the config without the unknown keys the schema refused still goes to
    /// the check (each was reported one per run).
    func testSchemaAndCheckErrorsComeTogether() {
        let found = errors(base + """

        processors:
          f: {use: forecaster.forecast, inputs: [gen], config: {value_fields: [age], interval: -1, horizon: 0, modle: holt}}
        sinks:
          out: {use: file.write, inputs: [f], config: {path: /dev/null}}
        """)
        XCTAssertEqual(found.map(\.key), ["processors.f.config.interval", "processors.f.config.horizon", "processors.f.config.modle"], "\(found)")
        XCTAssertEqual(found.map { $0.location?.line }, [6, 6, 6])
        // A known key with a bad value is not left out for the check: without `model`, `max_season` would look misplaced.
        let known = errors(base + """

        processors:
          f: {use: forecaster.forecast, inputs: [gen], config: {value_fields: [age], interval: 1h, model: holtwinters, max_season: 24}}
        sinks:
          out: {use: file.write, inputs: [f], config: {path: /dev/null}}
        """)
        XCTAssertEqual(known.map(\.key), ["processors.f.config.model"], "\(known)")
    }

    /// A key written twice is reported where it is written again (libyaml
    /// gives the first), in block and flow mappings, with the first named.
    func testADuplicateKeyIsReportedAtItsRepeat() {
        let sinks = "sinks:\n  out: {use: file.write, inputs: [gen], config: {path: /dev/null}}\n"
        expect(base + "\n" + sinks + "  out: {use: file.write, inputs: [gen], config: {path: /tmp/x}}\n", line: 7, key: "",
               contains: "the key 'out' is written twice in one mapping (first at line 6, column 3)")
        let found = errors("sources:\n  gen: {use: faker.generate, config: {count: 1, profile: people, count: 2}}\n" + sinks)
        XCTAssertEqual(found.first.map { "\($0.location!.line):\($0.location!.column)" }, "2:66", "\(found)")
        expect(base + "\n" + sinks + "  out: {}\n  out: {}\n", line: 7, key: "", contains: "first at line 6, column 3")
        expect(base + "\n" + "sinks:\n  'out': {}\n  out: {}\n", line: 6, key: "", contains: "the key 'out' is written again later in this mapping")
        // Two keys repeated: the one libyaml names (the inner mapping's, composed first) stays at its own line, not the other's repeat.
        let both = errors("sources:\n  gen: {use: faker.generate, config: {count: 1, count: 2}}\n" + sinks + "  out: {}\n")
        XCTAssertEqual(both.first.map { "\($0.location!.line): \($0.message)" },
                       "2: invalid YAML: the key 'count' is written again later in this mapping", "\(both)")
    }

    /// libyaml notices an unclosed brace only on the next line; the message
    /// also names the line where the brace opened, where the mistake is.
    func testInvalidYAMLNamesWhereTheUnclosedConstructStarts() {
        expect("sources:\n  gen:\n    use: faker.generate\n    config: {count: 3\nsinks: {}\n", line: 5, key: "",
               contains: "that starts at line 4, column 13")
        expect("sources:\n  gen: \"unclosed\n\n", line: 4, key: "", contains: "that starts at line 2, column 8")
    }

    /// A sink may not write a file a source of the same pipeline reads
    /// (by another spelling of its path, or a hard link): with `append:
    /// false` the run would empty its own input before reading it.
    func testASinkCannotWriteTheFileASourceReads() throws {
        try "{\"a\":1}\n".write(toFile: dir + "/data.ndjson", atomically: true, encoding: .utf8)
        XCTAssertEqual(link(dir + "/data.ndjson", dir + "/linked.ndjson"), 0)
        for written in ["\(dir)/./data.ndjson", "linked.ndjson"] {
            expect("""
            sources:
              in:
                use: file.read
                config: {path: data.ndjson}
            sinks:
              out:
                use: file.write
                inputs: [in]
                config: {path: \(written), append: false}
            """, line: 9, key: "sinks.out.config.path", contains: "the file sources.in.config.path reads")
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/data.ndjson", encoding: .utf8), "{\"a\":1}\n")
        _ = try TestSupport.plan(base + "\nsinks:\n  out:\n    use: file.write\n    inputs: [gen]\n    config: {path: \(dir)/other.ndjson}\n", dir: dir)
    }

    /// Names are ASCII letters, digits, `_` and `-`; the bytes either side of each range are refused.
    func testComponentNameCharacters() {
        func refused(_ name: String) -> Bool {
            let (_, errors) = ManifestParser.read(text: "sources:\n  \(name): {use: faker.generate}\n", file: "p.yaml", environment: [:])
            return errors.contains { $0.message.contains("component names use letters, digits, _ and -") }
        }
        for name in ["a", "Zz09_-", "AZaz", "\"0-9\""] { XCTAssertFalse(refused(name), name) }
        for name in ["a.b", "\"a b\"", "\"@\"", "\"[\"", "\"`\"", "\"{\"", "a/b", "\"a:\"", "\"ä\"", "\"\"", "\"a\\n\""] {
            XCTAssertTrue(refused(name), name)
        }
    }

    func testUnknownTopLevelKey() {
        expect(base + "\nsinkz: {}\n", line: 5, key: "sinkz", contains: "did you mean 'sinks'")
    }

    func testUnknownComponentInInputs() {
        expect(base + "\nsinks:\n  out:\n    use: file.write\n    inputs: [gne]\n    config: {path: /dev/null}\n",
               line: 8, key: "sinks.out.inputs", contains: "unknown component \"gne\"; did you mean 'gen'")
    }

    func testMissingInputs() {
        expect(base + "\nsinks:\n  out:\n    use: file.write\n    config: {path: /dev/null}\n", line: 6, key: "sinks.out", contains: "missing inputs")
    }

    func testCycle() {
        let yaml = base + """

        processors:
          a:
            use: validator.validate
            inputs: [gen, b]
          b:
            use: validator.validate
            inputs: [a]
        sinks:
          out:
            use: file.write
            inputs: [b]
            config: {path: /dev/null}
        """
        expect(yaml, line: 8, key: "processors.a.inputs", contains: "cycle in the graph: a → b → a")
    }

    func testConfigTypeMismatch() {
        expect("sources:\n  gen:\n    use: faker.generate\n    config:\n      profile: people\n      count: lots\n",
               line: 6, key: "sources.gen.config.count", contains: "wrong type: expected integer, got string")
    }

    func testUnknownConfigKey() {
        expect("sources:\n  gen:\n    use: faker.generate\n    config:\n      profile: people\n      cuont: 3\n",
               line: 6, key: "sources.gen.config.cuont", contains: "unknown config key; did you mean 'count'")
    }

    func testUnknownPluginAndComponent() {
        expect("sources:\n  gen:\n    use: nosuch.thing\n", line: 3, key: "sources.gen.use", contains: "no plugin named \"nosuch\"")
        expect("sources:\n  gen:\n    use: faker.nope\n", line: 3, key: "sources.gen.use", contains: "has no component \"nope\"")
        expect("sources:\n  gen:\n    use: file.write\n    config: {path: x}\n", line: 3, key: "sources.gen.use", contains: "is a sink")
    }

    func testEnvironmentSubstitution() throws {
        let yaml = "sources:\n  gen:\n    use: faker.generate\n    config:\n      profile: people\n      count: ${N}\n      seed: ${SEED:-9}\n"
            + "sinks:\n  out: {use: file.discard, inputs: [gen]}\n"
        let plan = try TestSupport.plan(yaml, dir: dir, environment: ["N": "12"])
        XCTAssertEqual(plan.nodes[0].spec.config["count"], .int(12))
        XCTAssertEqual(plan.nodes[0].spec.config["seed"], .int(9))
        expect(yaml, line: 6, key: "sources.gen.config.count", contains: "environment variable N is not set")
    }

    /// A manifest whose records go nowhere: no sink is an error, a source or
    /// processor no component reads is a warning (its records are dropped).
    func testAPipelineWithoutASinkOrWithAnUnreadComponent() throws {
        expect(base, line: 1, key: "sinks", contains: "a pipeline needs at least one sink")
        let plan = try TestSupport.plan(base + """

        processors:
          check:
            use: validator.validate
            inputs: [gen]
            config: {schema: {type: object}}
        sinks:
          out: {use: file.discard, inputs: [gen]}
        """, dir: dir)
        XCTAssertEqual(plan.warnings.map(\.key), ["processors.check"])
        XCTAssertTrue(plan.warnings[0].message.contains("no component reads check"), "\(plan.warnings)")
    }

    func testDuplicateNamesAndBadDeadLetter() {
        expect(base + "\nsinks:\n  gen:\n    use: file.write\n    inputs: [gen]\n    config: {path: x}\n",
               line: 6, key: "gen", contains: "component name already used at line 2")
        expect(base + "\nsinks:\n  out:\n    use: file.write\n    inputs: [gen]\n    config: {path: x}\ndead_letter: nothere\n",
               line: 10, key: "dead_letter", contains: "\"nothere\" is not a sink")
    }

    func testSourceWithInputs() {
        expect(base + "\n    inputs: [gen]\n", line: 2, key: "sources.gen.inputs", contains: "a source takes no inputs")
    }
}
