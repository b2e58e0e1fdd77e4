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
}
