import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `sluice run --status-listen`: Prometheus metrics and health while a
/// pipeline runs, scraped over HTTP from the real executable.
final class StatusEndpointTests: XCTestCase {
    func testMetricsCountWhatThePipelineDidAndThePortClosesWithTheProcess() throws {
        let dir = TestSupport.tempDir("status")
        let (pushPort, statusPort) = (try ManagedServer.freePort(), try ManagedServer.freePort())
        let manifest = dir + "/p.yaml"
        try """
        sources:
          gw: {use: http-sensor.push, config: {listen: "127.0.0.1:\(pushPort)"}}
        sinks:
          out: {use: file.write, inputs: [gw], config: {path: \(dir)/out.ndjson}}
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
        eventually { get("/health")?.status == 200 }
        XCTAssertEqual(get("/health")?.status, 200)

        let body = Array("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n".utf8)
        let push = HTTPClient(headers: ["Content-Type: application/x-ndjson"], timeoutMillis: 2000)
        eventually { (try? push.send(method: "POST", url: "http://127.0.0.1:\(pushPort)/readings", body: body))?.status == 202 }
        var text = ""
        eventually {
            text = String(decoding: get("/metrics")?.body ?? [], as: UTF8.self)
            return text.contains(#"sluice_stage_records_out_total{stage="out",role="sink"} 3"#)
        }
        XCTAssertTrue(text.contains(#"sluice_stage_records_in_total{stage="gw",role="source"} 3"#), text)
        XCTAssertTrue(text.contains(#"sluice_stage_records_out_total{stage="out",role="sink"} 3"#), text)
        XCTAssertTrue(text.contains("# TYPE sluice_gw_readings_accepted_total counter\nsluice_gw_readings_accepted_total 3"), text)
        XCTAssertEqual(get("/metrics")?.header("content-type"), "text/plain; version=0.0.4; charset=utf-8")
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
                let stages = ["gen", "check", "out"].filter { text.contains("sluice_stage_records_in_total{stage=\"\($0)\"") }
                XCTAssertTrue(stages.isEmpty || stages.count == 3, "a torn page: stages \(stages)")
                if stages.count == 3 { whole += 1 }
            }
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, (try? String(contentsOfFile: dir + "/stderr-\(run).log", encoding: .utf8)) ?? "")
        }
        XCTAssertGreaterThan(whole, 0, "no scrape ever saw the running pipeline")
    }
}
