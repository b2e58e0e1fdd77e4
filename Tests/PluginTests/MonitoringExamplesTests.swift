import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// examples/monitoring against a real run: the Grafana dashboard parses and
/// every metric it or the alerting rules query is on the `/metrics` page of
/// a running pipeline (Kafka → validator → forecaster → file, and a join of
/// two fake streams); promtool (from
/// Debian's prometheus package) accepts the rules, the scrape config and
/// every dashboard query.
final class MonitoringExamplesTests: XCTestCase {
    let examples = TestSupport.repoRoot + "/examples/monitoring"

    /// Metric names in PromQL text (the sample names: `_total`, `_bucket`, … included).
    func metricNames(_ text: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: #"\bsluice_[a-z0-9_]+"#)
        return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) })
    }

    /// The dashboard's queries, each with Grafana's variables replaced the way Grafana would.
    func dashboardQueries() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: examples + "/grafana-dashboard.json"))
        let dashboard = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(dashboard["uid"] as? String, "sluice-pipelines")
        let panels = try XCTUnwrap(dashboard["panels"] as? [[String: Any]])
        let queries = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        XCTAssertGreaterThan(queries.count, 10)
        return queries.map {
            $0.replacingOccurrences(of: "$__rate_interval", with: "1m").replacingOccurrences(of: "$pipeline", with: ".*")
        }
    }

    func testEveryMetricTheDashboardAndAlertsQueryIsOnARealPage() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("monitoring")
        let broker = try ManagedServer.kafka(logDir: dir)
        try broker.start()
        defer { broker.stop() }
        _ = try TestSupport.run("""
        sources:
          gen: {use: faker.generate, config: {profile: beach_sensor, seed: 9, count: 500}}
        sinks:
          raw: {use: kafka.write, inputs: [gen], config: {brokers: "127.0.0.1:\(broker.port)", topic: RawSensorData}}
        """, dir: dir)
        let statusPort = try ManagedServer.freePort()
        try """
        engine: {dead_letter_path: \(dir)/dead.ndjson, state_dir: \(dir)/state}
        sources:
          raw: {use: kafka.read, config: {brokers: "127.0.0.1:\(broker.port)", group: monitoring, topics: [RawSensorData], session_timeout_ms: 1000, heartbeat_interval_ms: 300}}
          orders: {use: faker.generate, config: {profile: orders, seed: 1, rate: 200}}
          payments: {use: faker.generate, config: {profile: payments, seed: 1, rate: 200}}
        processors:
          paid:
            use: join.join
            inputs: [orders, payments]
            config:
              left: {input: orders, key: order_id, time: {field: created_at}, as: order}
              right: {input: payments, key: order_id, time: {field: paid_at}, as: payment}
              between: {lower_ms: 0, upper_ms: 120000}
          clean:
            use: validator.validate
            inputs: [raw]
            config:
              parse: {field: RawData, names: [ReadingTime, WaterTemperature, Turbidity, BatteryLife, BeachCode, MeasurementID]}
              coerce: {ReadingTime: date, WaterTemperature: number, MeasurementID: integer}
          forecast:
            use: forecaster.forecast
            inputs: [clean]
            config: {key_fields: [BeachCode], value_fields: [WaterTemperature], time_field: ReadingTime, interval: 1h, horizon: 3h}
        sinks:
          out: {use: file.write, inputs: [forecast], config: {path: \(dir)/out.ndjson}}
          joined: {use: file.write, inputs: [paid], config: {path: \(dir)/joined.ndjson}}
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let p = try TestSupport.launch(["run", dir + "/p.yaml", "--no-progress", "--status-listen", "127.0.0.1:\(statusPort)"],
                                       stderr: dir + "/stderr.log")
        defer { if p.isRunning { p.terminate() } }

        let queries = try dashboardQueries()
        let rules = try String(contentsOfFile: examples + "/sluice-alerts.yml", encoding: .utf8)
        let wanted = queries.reduce(metricNames(rules)) { $0.union(metricNames($1)) }
        XCTAssertTrue(wanted.isSuperset(of: ["sluice_kafka_consumer_lag_records", "sluice_join_watermark_lag_seconds", "sluice_forecaster_alerts_open"]))
        let client = HTTPClient(headers: [], timeoutMillis: 2000)
        var missing = wanted
        var page: MetricsPage?
        let deadline = Date(timeIntervalSinceNow: 30)
        while !missing.isEmpty, Date() < deadline {
            usleep(200_000)
            guard let r = try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/metrics", body: nil), r.status == 200,
                  !r.body.isEmpty else { continue }
            page = try MetricsPage(String(decoding: r.body, as: UTF8.self), dir: dir)
            missing = wanted.subtracting(page!.sampleNames)
        }
        XCTAssertTrue(missing.isEmpty, "queried but not on the page: \(missing.sorted())\n"
            + ((try? String(contentsOfFile: dir + "/stderr.log", encoding: .utf8)) ?? ""))
        XCTAssertEqual(page?.value("sluice_component_records_total", ["component": "raw", "outcome": "in"]), 500)
        // Lag is reported once a second: poll until the report after the last record.
        var lag: Double?
        for _ in 0 ..< 50 where lag != 0 {
            usleep(200_000)
            let body = (try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/api/topology", body: nil))?.body ?? []
            lag = (try? JSONParser.parse(String(decoding: body, as: UTF8.self)))?["nodes"]?.array?.first { $0["name"]?.string == "raw" }?["lag"]?.number
        }
        XCTAssertEqual(lag, 0, "the consumer read the whole topic: its lag in the topology is 0")
    }

    /// promtool parses the rules and the scrape config, and every dashboard query as PromQL.
    func testPromtoolAcceptsTheRulesConfigAndDashboardQueries() throws {
        let promtool = "/usr/bin/promtool"
        guard FileManager.default.isExecutableFile(atPath: promtool) else { throw TestFailure("needs promtool: run `make deps` (Debian's prometheus)") }
        let rules = try TestSupport.runProcess(promtool, ["check", "rules", examples + "/sluice-alerts.yml"])
        XCTAssertEqual(rules.status, 0, rules.stdout + rules.stderr)
        let config = try TestSupport.runProcess(promtool, ["check", "config", "--syntax-only", examples + "/prometheus.yml"])
        XCTAssertEqual(config.status, 0, config.stdout + config.stderr)
        // Each dashboard query as a recording rule, so promtool parses it.
        let dir = TestSupport.tempDir("promtool")
        let recorded = try dashboardQueries().enumerated().map { i, q in
            "      - record: dashboard_query_\(i)\n        expr: |\n          \(q)"
        }
        try ("groups:\n  - name: dashboard\n    rules:\n" + recorded.joined(separator: "\n") + "\n")
            .write(toFile: dir + "/dashboard-rules.yml", atomically: true, encoding: .utf8)
        let queries = try TestSupport.runProcess(promtool, ["check", "rules", dir + "/dashboard-rules.yml"])
        XCTAssertEqual(queries.status, 0, queries.stdout + queries.stderr)
    }
}
