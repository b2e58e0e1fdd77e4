import SluiceCore
import SluiceTestSupport
import XCTest

/// `workers:` and `spread:` in a manifest: checked with file, line and key;
/// the spread defaults from the component's descriptor.
final class WorkersManifestTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("workers-manifest") }

    /// A faker source and a validator with `extra` lines under it (line 7 on).
    private func manifest(_ extra: String) -> String {
        """
        sources:
          gen:
            use: faker.generate
            config: {profile: people, count: 1}
        processors:
          check:
            use: validator.validate
        \(extra)
            inputs: [gen]
            config: {schema: {}}
        sinks:
          out: {use: file.discard, inputs: [check]}
        """
    }

    private func error(_ yaml: String, key: String, file: StaticString = #filePath, line: UInt = #line) -> ManifestError? {
        do {
            _ = try TestSupport.plan(yaml, dir: dir)
            XCTFail("expected the manifest to be refused", file: file, line: line)
        } catch let e as ManifestErrors {
            let match = e.errors.first { $0.key == key }
            XCTAssertNotNil(match, "no error for \(key) in \(e.errors)", file: file, line: line)
            return match
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func testWorkersMustBeAPositiveInteger() {
        for (value, shown) in [("0", "\"0\""), ("\"x\"", "\"x\""), ("-2", "\"-2\""), ("1.5", "\"1.5\"")] {
            let e = error(manifest("    workers: \(value)"), key: "processors.check.workers")
            XCTAssertEqual(e?.location?.line, 8, "\(value)")
            XCTAssertEqual(e?.message, "expected an integer ≥ 1, got \(shown)")
            XCTAssertTrue(e?.description.hasPrefix("\(dir)/pipeline.yaml:8:") ?? false, e?.description ?? "")
        }
    }

    func testASourceThatCannotSplitItsInputHasNoWorkers() {
        let yaml = manifest("").replacingOccurrences(of: "config: {profile: people, count: 1}", with: "config: {profile: people, count: 1}\n    workers: 2")
        let e = error(yaml, key: "sources.gen.workers")
        XCTAssertEqual(e?.location?.line, 5)
        XCTAssertTrue(e?.message.hasPrefix("faker.generate cannot split its input, so it runs one reader") ?? false, e?.message ?? "")
    }

    func testAnUnknownSpreadIsNamedWithTheChoices() {
        let e = error(manifest("    workers: 2\n    spread: random"), key: "processors.check.spread")
        XCTAssertEqual(e?.location?.line, 9)
        XCTAssertEqual(e?.message, "expected one of: round_robin, key, got \"random\"")
    }

    func testAMisspeltWorkersKeyIsSuggested() {
        let e = error(manifest("    worker: 2"), key: "processors.check.worker")
        XCTAssertTrue(e?.message.contains("did you mean 'workers'") ?? false, e?.message ?? "")
    }

    func testTheSpreadDefaultsToRoundRobinForAStatelessComponentAndKeyForAKeyedOne() throws {
        let plan = try TestSupport.plan("""
        sources:
          orders: {use: faker.generate, config: {profile: orders, count: 1}}
          payments: {use: faker.generate, config: {profile: payments, count: 1}}
        processors:
          check: {use: validator.validate, inputs: [orders], workers: 2, config: {schema: {}}}
          keyed: {use: validator.validate, inputs: [orders], workers: 2, spread: key, config: {schema: {}}}
          paid:
            use: join.join
            inputs: [check, payments]
            workers: 3
            config:
              left: {input: check, key: order_id, time: {field: created_at}}
              right: {input: payments, key: order_id, time: {field: paid_at}}
              between: {lower_ms: 0, upper_ms: 1000}
        sinks:
          out: {use: file.discard, inputs: [paid, keyed]}
        """, dir: dir)
        XCTAssertEqual(plan.node("check")?.spread, .roundRobin)
        XCTAssertEqual(plan.node("check")?.spec.workers, 2)
        XCTAssertEqual(plan.node("keyed")?.spread, .key)
        XCTAssertEqual(plan.node("paid")?.spread, .key)
        XCTAssertEqual(plan.node("paid")?.component.keyedState, true)
        XCTAssertEqual(plan.node("out")?.spec.workers, 1)
    }

    func testRoundRobinOnAKeyedComponentIsRefused() {
        let e = error("""
        sources:
          readings: {use: faker.generate, config: {profile: beach_sensor, count: 1}}
        processors:
          forecast:
            use: forecaster.forecast
            inputs: [readings]
            workers: 2
            spread: round_robin
            config: {key_fields: [Beach], value_fields: [WaterTemperature], time_field: TimeStamp, interval: 1h}
        sinks:
          out: {use: file.discard, inputs: [forecast]}
        """, key: "processors.forecast.spread")
        XCTAssertEqual(e?.location?.line, 8)
        XCTAssertTrue(e?.message.contains("keeps state per key or split") ?? false, e?.message ?? "")
    }
}
