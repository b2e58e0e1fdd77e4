import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `examples/beach-csv-forecast.yaml` through the engine: forecasts on every
/// reading, alerts on their own output, and a restart from the snapshot that
/// forecasts exactly as an uninterrupted run does.
final class ForecasterPipelineTests: XCTestCase {
    /// Runs the example over `rows` of the beach CSV in `dir` (state in `dir/state`).
    func run(_ rows: ArraySlice<Substring>, header: Substring, dir: String) throws -> RunSummary {
        let csv = dir + "/input.csv"
        try ([header] + rows).joined(separator: "\n").appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let manifest = try String(contentsOfFile: TestSupport.repoRoot + "/examples/beach-csv-forecast.yaml", encoding: .utf8)
            .replacingOccurrences(of: "${BEACH_CSV:-data/beach_water_quality_sample.csv}", with: csv)
            .replacingOccurrences(of: "${SLUICE_OUT:-../out}", with: dir)
        return try TestSupport.run(manifest, dir: dir)
    }

    func testARestartFromTheSnapshotForecastsAsAnUninterruptedRun() throws {
        let lines = try String(contentsOfFile: BeachCSV.path, encoding: .utf8).split(separator: "\n")
        let header = lines[0]
        // In time order, as the simulator replays it: in file order about half the rows come after a
        // later reading of their beach and pass through as `stale`, which would leave little to compare.
        let format = DateFormat("MM/dd/yyyy hh:mm:ss a")
        let time = { (row: Substring) in format.parse(String(row.split(separator: ",", omittingEmptySubsequences: false)[1])) ?? 0 }
        let rows = ArraySlice(lines.dropFirst().sorted { time($0) < time($1) })
        let cut = rows.startIndex + rows.count * 2 / 3

        let whole = TestSupport.tempDir("forecast-whole")
        let summary = try run(rows, header: header, dir: whole)
        XCTAssertEqual(summary.read, rows.count)
        let all = try TestSupport.readNDJSON(whole + "/beach-forecast.ndjson")
        XCTAssertEqual(all.count + TestSupport.lineCount(whole + "/beach-forecast-dead-letter.ndjson"), rows.count,
                       "every row forecast or dead-lettered (the name-only rows have no time)")
        let forecasted = all.filter { $0["forecast"]?["Water Temperature"]?["status"]?.string == "ok" }
        XCTAssertGreaterThan(forecasted.count, rows.count / 2, "most readings come after their beach's warm-up")
        XCTAssertEqual(forecasted.first?["forecast"]?["Water Temperature"]?["value"]?.array?.count, 6, "horizon 6h on a 1h grid")
        let alerts = try TestSupport.readNDJSON(whole + "/beach-alerts.ndjson")
        XCTAssertFalse(alerts.isEmpty)
        XCTAssertTrue(alerts.allSatisfy { ["opened", "cleared"].contains($0["state"]?.string ?? "") && $0["key"]?.string != nil })

        // The same rows in two runs sharing a state directory: the second starts from the first's snapshot.
        let split = TestSupport.tempDir("forecast-split")
        _ = try run(rows[..<cut], header: header, dir: split)
        XCTAssertTrue(FileManager.default.fileExists(atPath: split + "/state/forecast/forecaster.snapshot"), "written at drain")
        _ = try run(rows[cut...], header: header, dir: split)
        let second = try TestSupport.readNDJSON(split + "/beach-forecast.ndjson")
        let byID = Dictionary(all.map { ($0["Measurement ID"]?.string ?? "", $0["forecast"]) }, uniquingKeysWith: { a, _ in a })
        var compared = 0
        for record in second {
            guard let id = record["Measurement ID"]?.string, record["forecast"]?["Water Temperature"]?["status"]?.string == "ok" else { continue }
            XCTAssertEqual(record["forecast"], byID[id] ?? nil, "\(id)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 300)
    }
}
