import Foundation
@testable import SluiceCore
import XCTest

/// The run's registry: plugin metrics as labelled swift-prometheus series,
/// and the registrations swift-prometheus would trap on refused instead.
final class RunMetricsTests: XCTestCase {
    func testPluginMetricsArePrefixedByPluginAndLabelledByComponent() throws {
        let run = RunMetrics(pipeline: "beach")
        let lag = try XCTUnwrap(run.pluginMetric(plugin: "kafka", component: "in", name: #"consumer_lag_records{topic="t",partition="0"}"#,
                                                 help: "lag", kind: .gauge))
        lag.record(42)
        let sent = try XCTUnwrap(run.pluginMetric(plugin: "http-sensor", component: "gw", name: "readings_total", help: "", kind: .counter))
        sent.record(2)
        sent.record(3)
        sent.record(-1)
        sent.record(.nan)
        let page = run.exposition()
        XCTAssertTrue(page.contains(#"sluice_kafka_consumer_lag_records{pipeline="beach",component="in",topic="t",partition="0"} 42.0"#), page)
        XCTAssertTrue(page.contains(#"sluice_http_sensor_readings_total{pipeline="beach",component="gw"} 5.0"#), page)
        XCTAssertEqual(lag.gaugeValue, 42)
    }

    func testConflictingRegistrationsAreRefusedNotFatal() throws {
        let run = RunMetrics(pipeline: "p")
        let first = try XCTUnwrap(run.pluginMetric(plugin: "x", component: "a", name: "n", help: "one", kind: .counter))
        XCTAssertTrue(first === run.pluginMetric(plugin: "x", component: "a", name: "n", help: "one", kind: .counter))
        XCTAssertNil(run.pluginMetric(plugin: "x", component: "b", name: "n", help: "one", kind: .gauge), "a second kind for one name")
        XCTAssertNotNil(run.pluginMetric(plugin: "x", component: "b", name: "n", help: "other help", kind: .counter))
        XCTAssertNil(run.pluginMetric(plugin: "component", component: "a", name: "records_total", help: "", kind: .counter),
                     "a plugin took an engine family")
        XCTAssertNil(run.pluginMetric(plugin: "x", component: "a", name: "bad-name", help: "", kind: .counter))
    }

    func testHistogramsHaveRealBuckets() throws {
        let run = RunMetrics(pipeline: "p")
        let stage = run.stage(name: "out", role: .sink)
        let records = RecordBuffer()
        let now: Int64 = 1_700_000_000_000
        records.append([5, 0, 0, 0, 0], eventTime: now - 20)
        records.append([5, 0, 0, 0, 0])
        records.append([5, 0, 0, 0, 0], eventTime: now - 3000)
        stage.written(records, failed: [], nowMillis: now)
        let page = run.exposition()
        let e2e = #"sluice_component_end_to_end_latency_seconds_bucket{pipeline="p",component="out",kind="sink",le="#
        XCTAssertTrue(page.contains(e2e + #""0.01"} 0"#), page)
        XCTAssertTrue(page.contains(e2e + #""0.05"} 1"#), page)
        XCTAssertTrue(page.contains(e2e + #""5.0"} 2"#), page)
        XCTAssertTrue(page.contains(#"sluice_component_end_to_end_latency_seconds_count{pipeline="p",component="out",kind="sink"} 2"#), page)
    }

    /// Batches add up; failed records, and those without an event time, are
    /// not observed; a bound is inclusive; each sink is its own series of one family.
    func testLatencyIsObservedPerWrittenRecordAcrossBatches() throws {
        let run = RunMetrics(pipeline: "p")
        let out = run.stage(name: "out", role: .sink)
        let other = run.stage(name: "other", role: .sink)
        let now: Int64 = 1_700_000_000_000
        let first = RecordBuffer()
        for millis: Int64 in [10, 11, 400, 7_200_000] { first.append([5, 0, 0, 0, 0], eventTime: now - millis) }
        first.append([5, 0, 0, 0, 0])
        out.written(first, failed: [1], nowMillis: now)
        let second = RecordBuffer()
        second.append([5, 0, 0, 0, 0], eventTime: now + 5000)
        out.written(second, failed: [], nowMillis: now)
        other.written(second, failed: [0], nowMillis: now)
        let page = run.exposition()
        let name = "sluice_component_end_to_end_latency_seconds"
        let labels = #"pipeline="p",component="out",kind="sink""#
        for (le, n) in [("0.01", 2), ("0.05", 2), ("0.5", 3), ("3600.0", 3), ("+Inf", 4)] {
            XCTAssertTrue(page.contains("\(name)_bucket{\(labels),le=\"\(le)\"} \(n)\n"), "le=\(le): \(page)")
        }
        XCTAssertTrue(page.contains("\(name)_sum{\(labels)} 7200.41\n"), page)
        XCTAssertTrue(page.contains("\(name)_count{\(labels)} 4\n"), page)
        XCTAssertTrue(page.contains(#"\#(name)_count{pipeline="p",component="other",kind="sink"} 0"#), page)
        XCTAssertEqual(page.components(separatedBy: "# TYPE \(name) histogram").count, 2, "one family")
    }
}
