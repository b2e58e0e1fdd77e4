import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `examples/beach-csv-dashboard.yaml` in a real browser: headless Chromium
/// (driven over the DevTools protocol by Tests/Fixtures/dashboard_browser.py)
/// loads the page, then the beach CSV is fed to the running pipeline, so the
/// page builds its windows from the event stream's updates. Every chart must
/// then hold exactly what the sink holds (`/api/series`), no JavaScript error
/// may be logged, and the screenshot (kept under .build/test-output/) must
/// not be blank.
final class DashboardBrowserTests: XCTestCase {
    static let output = TestSupport.repoRoot + "/.build/test-output/DashboardBrowserTests"

    func testThePageDrawsEveryKeyWithoutErrors() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            return XCTFail("chromium is not installed; `make deps` installs it (Debian package chromium)")
        }
        let dir = TestSupport.tempDir("dashboard-browser")
        let port = try ManagedServer.freePort()
        // The pipeline follows a CSV holding only the header; the browser script appends the rows once the page is live.
        let csv = TestSupport.repoRoot + "/examples/data/beach_water_quality_sample.csv"
        let header = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n", maxSplits: 1)[0]
        try (header + "\n").write(toFile: dir + "/beach.csv", atomically: true, encoding: .utf8)
        let manifest = try String(contentsOfFile: TestSupport.repoRoot + "/examples/beach-csv-dashboard.yaml", encoding: .utf8)
            .replacingOccurrences(of: "${BEACH_CSV:-data/beach_water_quality_sample.csv}", with: dir + "/beach.csv")
            .replacingOccurrences(of: "${SLUICE_OUT:-../out}", with: dir)
            .replacingOccurrences(of: "${DASHBOARD_LISTEN:-127.0.0.1:8090}", with: "127.0.0.1:\(port)")
            // Smaller than the busiest beaches' 552 readings, which come out of time order: both sides evict and insert mid-window.
            .replacingOccurrences(of: "window: 600", with: "window: 200")
        let dashboard = try RunningDashboard(manifest: manifest, port: port, dir: dir)
        defer { dashboard.stop() }
        let beaches = ["63rd Street Beach", "Calumet Beach", "Montrose Beach", "Ohio Street Beach", "Osterman Beach", "Rainbow Beach"]
        try? FileManager.default.removeItem(atPath: Self.output)
        let keysJSON = JSONWriter.string(.array(beaches.map { .string($0) }))
        let run = try TestSupport.runProcess("/usr/bin/python3", [
            TestSupport.repoRoot + "/Tests/Fixtures/dashboard_browser.py", "--url", dashboard.base + "/", "--keys", keysJSON,
            "--out", Self.output, "--chromium", chromium, "--timeout", "90", "--feed", "\(csv):\(dir)/beach.csv", "--settle", "2",
        ])
        let snapshot = try dashboard.series()
        let alerts = (snapshot["keys"]?.array ?? []).flatMap { entry in
            (entry["fields"]?.object ?? JSONObject()).flatMap { $0.value["alerts"]?.array ?? [] }
        }
        XCTAssertFalse(alerts.isEmpty, "the forecaster's alerts reach the dashboard on forecast.alerts")
        let report = try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(run.status, 0, "\(report["reason"]?.string ?? run.stderr); errors: \(report["errors"] ?? .null)")
        XCTAssertEqual(report["errors"], [], "the page logged JavaScript errors")
        XCTAssertEqual(report["state"], "live")

        var shown: [String: [String: Int]] = [:]
        for chart in report["charts"]?.array ?? [] {
            guard let key = chart[0]?.string, let field = chart[1]?.string, let n = chart[2]?.integer else { continue }
            shown[key, default: [:]][field] = Int(n)
            let held = snapshot["keys"]?.array?.first { $0["key"]?.string == key }?["fields"]?[field]
            for part in ["points", "predicted", "alerts"] {
                XCTAssertEqual(chart[3]?[part], held?[part], "\(key) \(field): the page's \(part) are the sink's")
            }
            XCTAssertEqual(chart[3]?["forecast"] ?? .null, held?["forecast"] ?? .null, "\(key) \(field): the page's forecast is the sink's")
        }
        XCTAssertEqual(shown, RunningDashboard.counts(snapshot), "every chart holds what the sink holds")
        XCTAssertEqual(Set(shown.values.flatMap(\.values)).max(), 200, "the busiest beaches fill their window")

        let screenshot = try XCTUnwrap(report["screenshot"]?.string)
        XCTAssertTrue(screenshot.hasPrefix(Self.output) && FileManager.default.fileExists(atPath: screenshot))
        XCTAssertEqual(report["width"]?.integer, 1400)
        // A blank or error page has a handful of colours; antialiased charts have hundreds.
        XCTAssertGreaterThan(report["colours"]?.integer ?? 0, 200, "the screenshot \(screenshot) looks blank")
    }
}
