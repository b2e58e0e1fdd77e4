import Foundation
import SluiceHTTP
import SluiceTestSupport
import XCTest

/// An isolated component is observed as one in the host: its plugin's
/// metrics reach the host's `/metrics` with the same names and labels, and
/// its plugin's log lines follow the host's `--log-format` and
/// `--log-level`. The real host, its real children, the C plugin `keeper`.
final class IsolatedObservabilityTests: XCTestCase {
    var dir = ""
    var pluginDir = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("isolated-observability")
        pluginDir = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: pluginDir, withIntermediateDirectories: true)
        try TestSupport.compileC(CPlugins.keeper, name: "keeper", dir: pluginDir)
        try TestSupport.compileC(CPlugins.crashingSink, name: "crashkit", dir: pluginDir)
    }

    /// 2,000 records from `keeper.count` (isolated with `isolate`) through
    /// `keeper.keep` isolated (`child`), then in the host (`host`), into a file.
    func manifest(linger: Bool, isolateSource: Bool = false) throws -> String {
        let path = dir + "/p.yaml"
        try """
        engine: {tick_interval_ms: 50, batch: {max_records: 250}, dead_letter_path: \(dir)/dead.ndjson}
        sources:
          gen: {use: keeper.count, isolation: \(isolateSource ? "process" : "none"), config: {count: 2000, log: \(dir)/log, linger: \(linger)}}
        processors:
          child: {use: keeper.keep, inputs: [gen], isolation: process, config: {log: \(dir)/log, hold_ticks: 1}}
          host: {use: keeper.keep, inputs: [child], config: {log: \(dir)/log, hold_ticks: 1}}
        sinks:
          out: {use: crashkit.crashy, inputs: [host], config: {out: \(dir)/out.bson, marker: \(dir)/never, crash_at: 0}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The child's counter `kept_total` is on `/metrics` as
    /// `sluice_keeper_kept_total`, counting every record it held, with the
    /// labels the same counter of the in-host instance has; the isolated
    /// source's counter, with the label the plugin gave, is there too.
    func testAnIsolatedPluginsCounterIsOnTheHostsMetrics() throws {
        let statusPort = try ManagedServer.freePort()
        let log = dir + "/stderr.log"
        let host = try TestSupport.launch(["run", try manifest(linger: true, isolateSource: true), "--no-progress", "--plugin-path", pluginDir,
                                           "--status-listen", "127.0.0.1:\(statusPort)"], stderr: log)
        defer { if host.isRunning { kill(host.processIdentifier, SIGKILL) } }
        let client = HTTPClient(headers: [], timeoutMillis: 5000)
        var page: MetricsPage?
        for _ in 0 ..< 300 {
            usleep(100_000)
            guard let r = try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/metrics", body: nil), r.status == 200 else { continue }
            let read = try MetricsPage(String(decoding: r.body, as: UTF8.self), dir: dir)
            page = read
            if read.value("sluice_keeper_kept_total", ["component": "child"]) == 2000, read.value("sluice_keeper_kept_total", ["component": "host"]) == 2000,
               read.value("sluice_keeper_polled_total", ["component": "gen"]) == 2000
            {
                break
            }
        }
        kill(host.processIdentifier, SIGTERM)
        host.waitUntilExit()
        let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let samples = try XCTUnwrap(page, stderr).samples("sluice_keeper_kept_total")
        XCTAssertEqual(samples.count, 2, "\(samples.map(\.labels))")
        let child = try XCTUnwrap(samples.first { $0.labels["component"] == "child" }, stderr)
        let inHost = try XCTUnwrap(samples.first { $0.labels["component"] == "host" }, stderr)
        XCTAssertEqual(child.value, 2000, "every record the child held, counted in the host: \(stderr)")
        XCTAssertEqual(inHost.value, 2000)
        XCTAssertEqual(child.type, "counter")
        XCTAssertEqual(child.labels.merging(["component": "host"]) { $1 }, inHost.labels, "labelled as the in-host instance's")
        XCTAssertEqual(child.labels["pipeline"], inHost.labels["pipeline"])
        let polled = try XCTUnwrap(page?.samples("sluice_keeper_polled_total").first, stderr)
        XCTAssertEqual(polled.value, 2000, "the isolated source's counter")
        XCTAssertEqual(polled.labels["by"], "count")
        XCTAssertEqual(polled.labels["component"], "gen")
    }

    /// With `--log-format json` the child's plugin log line is a JSON line
    /// naming its component and level; `--log-level warning` leaves it out,
    /// as in the host.
    func testAChildLogsInTheHostsFormatAndLevel() throws {
        let path = try manifest(linger: false)
        let json = try TestSupport.runProcess(TestSupport.sluice, ["run", path, "--no-progress", "--plugin-path", pluginDir, "--log-format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let ready = json.stderr.split(separator: "\n").filter { $0.contains("keeper ready") }
        XCTAssertEqual(ready.count, 2, "one from the child, one from the instance in the host: \(json.stderr)")
        var components: Set<String> = []
        for line in ready {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            XCTAssertEqual(object["level"] as? String, "info")
            XCTAssertEqual(object["message"] as? String, "keeper ready, holding for 1 ticks")
            if let component = object["component"] as? String { components.insert(component) }
            if object["component"] as? String == "child" { XCTAssertEqual(object["process"] as? String, "isolated") }
        }
        XCTAssertEqual(components, ["child", "host"])
        let quiet = try TestSupport.runProcess(TestSupport.sluice, ["run", path, "--no-progress", "--plugin-path", pluginDir,
                                                                    "--log-format", "json", "--log-level", "warning"])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("keeper ready"), quiet.stderr)
    }
}
