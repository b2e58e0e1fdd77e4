import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `examples/beach-csv-dashboard.yaml` in a real browser: headless Chromium
/// (driven over the DevTools protocol by Tests/Fixtures/dashboard_browser.py)
/// loads the page while the pipeline runs. Every key must get charts with
/// as many points as the sink holds, no JavaScript error may be logged, and
/// the screenshot (kept under .build/test-output/) must not be blank.
final class DashboardBrowserTests: XCTestCase {
    static let output = TestSupport.repoRoot + "/.build/test-output/DashboardBrowserTests"

    func testThePageDrawsEveryKeyWithoutErrors() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            return XCTFail("chromium is not installed; `make deps` installs it (Debian package chromium)")
        }
        let dir = TestSupport.tempDir("dashboard-browser")
        let port = try ManagedServer.freePort()
        let manifest = try String(contentsOfFile: TestSupport.repoRoot + "/examples/beach-csv-dashboard.yaml", encoding: .utf8)
            .replacingOccurrences(of: "${BEACH_CSV:-examples/data/beach_water_quality_sample.csv}", with: TestSupport.repoRoot + "/examples/data/beach_water_quality_sample.csv")
            .replacingOccurrences(of: "${SLUICE_OUT:-out}", with: dir)
            .replacingOccurrences(of: "${DASHBOARD_LISTEN:-127.0.0.1:8090}", with: "127.0.0.1:\(port)")
        let dashboard = try RunningDashboard(manifest: manifest, port: port, dir: dir)
        defer { dashboard.stop() }
        let beaches = ["63rd Street Beach", "Calumet Beach", "Montrose Beach", "Ohio Street Beach", "Osterman Beach", "Rainbow Beach"]
        // The file is read once (follow then waits for more): the windows are complete when the counts hold still for 2 s.
        var counts: [String: [String: Int]] = [:]
        var since = Date()
        _ = try dashboard.series(until: { snapshot in
            let now = RunningDashboard.counts(snapshot)
            if now != counts { (counts, since) = (now, Date()) }
            return Set(now.keys) == Set(beaches) && Date().timeIntervalSince(since) > 2
        }, timeout: 60)
        XCTAssertEqual(Set(counts.keys), Set(beaches), dashboard.stderr)
        let snapshot = try dashboard.series()
        let alerts = (snapshot["keys"]?.array ?? []).flatMap { entry in
            (entry["fields"]?.object ?? JSONObject()).flatMap { $0.value["alerts"]?.array ?? [] }
        }
        XCTAssertFalse(alerts.isEmpty, "the forecaster's alerts reach the dashboard on forecast.alerts")

        try? FileManager.default.removeItem(atPath: Self.output)
        let keysJSON = JSONWriter.string(.array(beaches.map { .string($0) }))
        let run = try TestSupport.runProcess("/usr/bin/python3", [
            TestSupport.repoRoot + "/Tests/Fixtures/dashboard_browser.py", "--url", dashboard.base + "/", "--keys", keysJSON,
            "--out", Self.output, "--chromium", chromium, "--timeout", "60",
        ])
        let report = try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(run.status, 0, "\(report["reason"]?.string ?? run.stderr); errors: \(report["errors"] ?? .null)")
        XCTAssertEqual(report["errors"], [], "the page logged JavaScript errors")
        XCTAssertEqual(report["state"], "live")

        var shown: [String: [String: Int]] = [:]
        for chart in report["charts"]?.array ?? [] {
            guard let key = chart[0]?.string, let field = chart[1]?.string, let n = chart[2]?.integer else { continue }
            shown[key, default: [:]][field] = Int(n)
        }
        XCTAssertEqual(shown, RunningDashboard.counts(snapshot), "every chart holds what the sink holds")

        let screenshot = try XCTUnwrap(report["screenshot"]?.string)
        XCTAssertTrue(screenshot.hasPrefix(Self.output) && FileManager.default.fileExists(atPath: screenshot))
        XCTAssertEqual(report["width"]?.integer, 1400)
        // A blank or error page has a handful of colours; antialiased charts have hundreds.
        XCTAssertGreaterThan(report["colours"]?.integer ?? 0, 200, "the screenshot \(screenshot) looks blank")
    }
}

extension JSONValue {
    /// Element `i` of an array.
    subscript(i: Int) -> JSONValue? {
        guard let a = array, a.indices.contains(i) else { return nil }
        return a[i]
    }
}
