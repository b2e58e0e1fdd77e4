import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `sluice run --status-listen`: Prometheus metrics and health while a
/// pipeline runs, scraped over HTTP from the real executable.
final class StatusEndpointTests: XCTestCase {
    /// Counters move by exactly what the pipeline did, the page parses with
    /// prometheus_client, histogram buckets are cumulative with `_count`
    /// equal to the records written, and /ready and /api/topology agree.
    func testMetricsCountWhatThePipelineDidAndThePortClosesWithTheProcess() throws {
        let dir = TestSupport.tempDir("status")
        let (pushPort, statusPort) = (try ManagedServer.freePort(), try ManagedServer.freePort())
        let manifest = dir + "/p.yaml"
        try """
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          gw: {use: http-sensor.push, config: {listen: "127.0.0.1:\(pushPort)", event_time: {field: t, format: epoch_ms}}}
        processors:
          check: {use: validator.validate, inputs: [gw], config: {schema: {type: object, required: [a]}}}
        sinks:
          out: {use: file.write, inputs: [check], config: {path: \(dir)/out.ndjson}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let p = try TestSupport.launch(["run", manifest, "--no-progress", "--status-listen", "127.0.0.1:\(statusPort)"],
                                       stderr: dir + "/stderr.log")
        defer { if p.isRunning { p.terminate() } }
        let client = HTTPClient(headers: [], timeoutMillis: 2000)
        func get(_ path: String) -> HTTPClient.Response? {
            try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)\(path)", body: nil)
        }
        /// Retries `attempt` every 25 ms, up to 5 s, until it succeeds.
        func eventually(_ attempt: () -> Bool) {
            for _ in 0 ..< 200 {
                if attempt() { return }
                usleep(25_000)
            }
        }
        eventually { get("/ready")?.status == 200 }
        XCTAssertEqual(get("/health")?.status, 200)
        XCTAssertEqual(get("/ready")?.status, 200)

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let body = Array("{\"a\":1,\"t\":\(now)}\n{\"a\":2,\"t\":\(now)}\n{\"b\":3,\"t\":\(now)}\n{\"a\":4,\"t\":\(now)}\n".utf8)
        let push = HTTPClient(headers: ["Content-Type: application/x-ndjson"], timeoutMillis: 2000)
        eventually { (try? push.send(method: "POST", url: "http://127.0.0.1:\(pushPort)/readings", body: body))?.status == 202 }
        let records = "sluice_component_records_total"
        var page = try MetricsPage("", dir: dir)
        eventually {
            let text = String(decoding: get("/metrics")?.body ?? [], as: UTF8.self)
            page = (try? MetricsPage(text, dir: dir)) ?? page
            return page.value(records, ["component": "out", "outcome": "out"]) == 3
                && page.value(records, ["component": "dead-letter", "outcome": "out"]) == 1
        }
        let all = ["pipeline": "p"]
        XCTAssertEqual(page.value(records, all.merging(["component": "gw", "kind": "source", "outcome": "in"]) { $1 }), 4)
        XCTAssertEqual(page.value(records, ["component": "check", "kind": "processor", "outcome": "in"]), 4)
        XCTAssertEqual(page.value(records, ["component": "check", "outcome": "out"]), 3)
        XCTAssertEqual(page.value(records, ["component": "check", "outcome": "dead_lettered"]), 1)
        XCTAssertEqual(page.value(records, ["component": "out", "kind": "sink", "outcome": "in"]), 3)
        XCTAssertEqual(page.value(records, ["component": "out", "outcome": "retried"]), 0)
        XCTAssertEqual(page.value("sluice_edge_records_total", ["from": "gw", "to": "check"]), 4)
        XCTAssertEqual(page.value("sluice_edge_records_total", ["from": "check", "to": "out"]), 3)
        XCTAssertEqual(page.value("sluice_http_sensor_readings_accepted_total", ["pipeline": "p", "component": "gw"]), 4)
        XCTAssertEqual(page.value("sluice_validator_invalid_records_total", ["component": "check"]), 1)
        XCTAssertEqual(page.value("sluice_component_queue_capacity", ["component": "out"]), 8)
        XCTAssertNotNil(page.value("sluice_component_queue_depth", ["component": "out"]))
        XCTAssertEqual(page.value("sluice_component_ready", ["component": "out"]), 1)
        XCTAssertNotNil(page.value("sluice_plugin_load_duration_seconds", ["plugin": "validator"]))

        // End-to-end latency: one observation per written record, buckets cumulative up to +Inf = _count.
        let e2e = "sluice_component_end_to_end_latency_seconds"
        XCTAssertEqual(page.value(e2e + "_count", ["component": "out"]), 3)
        for (histogram, component, count) in [(e2e, "out", 3.0), ("sluice_component_batch_duration_seconds", "check", nil)] as [(String, String, Double?)] {
            let buckets = page.samples(histogram + "_bucket", ["component": component])
                .map { (le: $0.labels["le"] == "+Inf" ? Double.infinity : Double($0.labels["le"]!)!, n: $0.value) }
                .sorted { $0.le < $1.le }
            XCTAssertGreaterThan(buckets.count, 5, histogram)
            XCTAssertEqual(buckets.last?.le, .infinity)
            XCTAssertEqual(buckets.map(\.n), buckets.map(\.n).sorted(), "\(histogram) buckets are not cumulative: \(buckets)")
            XCTAssertEqual(buckets.last?.n, page.value(histogram + "_count", ["component": component]))
            if let count { XCTAssertEqual(buckets.last?.n, count) }
        }
        XCTAssertEqual(get("/metrics")?.header("content-type"), "text/plain; version=0.0.4; charset=utf-8")

        let topology = try JSONParser.parse(String(decoding: get("/api/topology")?.body ?? [], as: UTF8.self))
        let nodes = topology["nodes"]?.array ?? []
        XCTAssertEqual(Set(nodes.compactMap { $0["name"]?.string }), ["gw", "check", "out", "dead-letter"])
        XCTAssertEqual(nodes.first { $0["name"]?.string == "check" }?["dead_lettered"]?.number, 1)
        let edges = topology["edges"]?.array ?? []
        XCTAssertEqual(edges.first { $0["from"]?.string == "check" && $0["to"]?.string == "out" }?["records"]?.number, 3)
        XCTAssertEqual(topology["ready"]?.bool, true)
        XCTAssertEqual(get("/nope")?.status, 404)

        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertNil(get("/health"), "the status port outlived the process")
    }

    /// While a SIGTERM drain writes what was read, /health says 503 so a
    /// load balancer stops sending; /metrics still answers.
    func testHealthIsUnavailableWhileDraining() throws {
        let dir = TestSupport.tempDir("status-drain")
        let testkit = try TestSupport.compileC(CPlugins.testkit, name: "testkit", dir: dir)
        let statusPort = try ManagedServer.freePort()
        let manifest = dir + "/p.yaml"
        try """
        engine: {batch: {max_records: 100, max_wait_ms: 10}}
        sources:
          gen: {use: faker.generate, config: {profile: beach_sensor, rate: 5000}}
        sinks:
          slow: {use: testkit.slow, inputs: [gen], config: {delay_ms: 300}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let p = try TestSupport.launch(["run", manifest, "--no-progress", "--status-listen", "127.0.0.1:\(statusPort)",
                                        "--plugin-path", (testkit as NSString).deletingLastPathComponent], stderr: dir + "/stderr.log")
        defer { if p.isRunning { p.terminate() } }
        let client = HTTPClient(headers: [], timeoutMillis: 2000)
        func health() -> Int? { (try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/health", body: nil))?.status }
        for _ in 0 ..< 200 {
            if health() == 200 { break }
            usleep(25_000)
        }
        Thread.sleep(forTimeInterval: 1)
        kill(p.processIdentifier, SIGTERM)
        var seen: [Int?] = []
        while p.isRunning, seen.count < 400 {
            seen.append(health())
            usleep(10_000)
        }
        p.waitUntilExit()
        // The signal is handled asynchronously: a 200 may still come first, none after the first 503.
        let draining = seen.drop { $0 != 503 }
        XCTAssertFalse(draining.isEmpty, "never saw 503 while draining: \(seen)")
        XCTAssertFalse(draining.contains(200), "healthy again during the drain: \(seen)")
    }

    /// /metrics scraped as fast as it answers while pipelines start, run and
    /// stop: every page is whole (all stages or none, every line well formed)
    /// and the process never crashes.
    func testScrapingWhilePipelinesStartAndStopNeverTearsAPage() throws {
        let dir = TestSupport.tempDir("status-race")
        let manifest = dir + "/p.yaml"
        try """
        sources:
          gen: {use: faker.generate, config: {profile: beach_sensor, seed: 1}}
        processors:
          check: {use: validator.validate, inputs: [gen], config: {schema: {type: object}}}
        sinks:
          out: {use: file.write, inputs: [check], config: {path: /dev/null}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let client = HTTPClient(headers: [], timeoutMillis: 1000)
        let sample = try NSRegularExpression(pattern: #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$|^# (HELP|TYPE) "#)
        var whole = 0
        for run in 0 ..< 5 {
            let port = try ManagedServer.freePort()
            let p = try TestSupport.launch(["run", manifest, "--no-progress", "--max-records", "\(5000 * (run + 1))",
                                            "--status-listen", "127.0.0.1:\(port)"], stderr: dir + "/stderr-\(run).log")
            while p.isRunning {
                usleep(1000)
                guard let r = try? client.send(method: "GET", url: "http://127.0.0.1:\(port)/metrics", body: nil), r.status == 200 else { continue }
                let text = String(decoding: r.body, as: UTF8.self)
                XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), "page cut short: \(text.suffix(80))")
                for line in text.split(separator: "\n") {
                    let l = String(line)
                    XCTAssertNotNil(sample.firstMatch(in: l, range: NSRange(l.startIndex..., in: l)), "malformed line: \(l)")
                }
                let stages = ["gen", "check", "out"].filter {
                    text.contains("sluice_component_records_total{pipeline=\"p\",component=\"\($0)\"")
                }
                XCTAssertTrue(stages.isEmpty || stages.count == 3, "a torn page: stages \(stages)")
                if stages.count == 3 { whole += 1 }
            }
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, (try? String(contentsOfFile: dir + "/stderr-\(run).log", encoding: .utf8)) ?? "")
        }
        XCTAssertGreaterThan(whole, 0, "no scrape ever saw the running pipeline")
    }
}
