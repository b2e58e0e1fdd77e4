import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `examples/beach-csv-forecast.yaml` through the engine: forecasts on every
/// reading, alerts on their own output, a restart from the snapshot that
/// forecasts exactly as an uninterrupted run does, and readings out of order
/// within the reorder window forecast exactly as sorted ones.
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

    /// The example as shipped, run by the `sluice` executable over `rows`: its exit status, log and forecasts.
    func runExecutable(_ rows: [Substring], header: Substring, dir: String,
                       manifest: String = TestSupport.repoRoot + "/examples/beach-csv-forecast.yaml") throws -> (TestSupport.ProcessResult, [JSONValue])
    {
        let csv = dir + "/input.csv"
        try ([header] + rows).joined(separator: "\n").appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["BEACH_CSV"] = csv
        env["SLUICE_OUT"] = dir
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress"],
                                                cwd: dir, environment: env)
        return (result, try TestSupport.readNDJSON(dir + "/beach-forecast.ndjson"))
    }

    /// A typo in `value_fields` is named once in the log, with the fields
    /// the records have (before, forecasts just never warmed up).
    func testAValueFieldNoRecordHasIsWarnedAboutOnce() throws {
        let dir = TestSupport.tempDir("forecast-typo")
        try (0 ..< 250).map { #"{"beach":"b\#($0 % 3)","time":\#(1_780_000_000_000 + $0 * 3_600_000),"water":\#(20 + $0 % 5)}"# + "\n" }.joined()
            .write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        try """
        engine: {state_dir: \(dir)/state}
        sources:
          in: {use: file.read, config: {path: in.ndjson}}
        processors:
          forecast: {use: forecaster.forecast, inputs: [in], config: {key_fields: [beach], value_fields: [water, watr], time_field: time, interval: 1h}}
        sinks:
          out: {use: file.write, inputs: [forecast], config: {path: out.ndjson}}
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", dir + "/p.yaml", "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let warning = "value_fields 'watr': in none of the first 100 records, so no model learns from it (a typo?); fields seen: beach, time, water"
        XCTAssertEqual(result.stderr.components(separatedBy: warning).count - 1, 1, result.stderr)
    }

    func testReadingsOutOfOrderWithinTheWindowForecastAsSorted() throws {
        let lines = try String(contentsOfFile: BeachCSV.path, encoding: .utf8).split(separator: "\n")
        let header = lines[0]
        let format = DateFormat("MM/dd/yyyy hh:mm:ss a")
        let time = { (row: Substring) in format.parse(String(row.split(separator: ",", omittingEmptySubsequences: false)[1])) ?? 0 }
        let sorted = lines.dropFirst().sorted { time($0) < time($1) }
        // Each row moved by up to a day of reading time: well inside the example's 3-day window.
        var random = SeededRandom(seed: 31)
        let shuffled = sorted.map { ($0, time($0) + Int64(random.unit() * 86_400_000)) }.sorted { $0.1 < $1.1 }.map(\.0)
        XCTAssertNotEqual(shuffled, sorted)

        func ok(_ records: [JSONValue]) -> [String: JSONValue] {
            var byID: [String: JSONValue] = [:]
            for r in records where r["forecast"]?["Water Temperature"]?["status"]?.string == "ok" {
                byID[r["Measurement ID"]?.string ?? ""] = r["forecast"]
            }
            return byID
        }
        var forecasts: [[String: JSONValue]] = []
        for (name, rows) in [("sorted", sorted), ("shuffled", shuffled), ("published", Array(lines.dropFirst()))] {
            let dir = TestSupport.tempDir("forecast-reorder-\(name)")
            let (result, records) = try runExecutable(rows, header: header, dir: dir)
            XCTAssertEqual(result.status, 0, result.stderr)
            // Every hold released once: none left at shutdown, none released twice.
            XCTAssertFalse(result.stderr.contains("still in state"), result.stderr)
            XCTAssertFalse(result.stderr.contains("not live"), result.stderr)
            XCTAssertFalse(result.stderr.contains("refused"), result.stderr)
            XCTAssertEqual(records.count + TestSupport.lineCount(dir + "/beach-forecast-dead-letter.ndjson"), rows.count, name)
            forecasts.append(ok(records))
        }
        XCTAssertGreaterThan(forecasts[0].count, sorted.count / 2)
        XCTAssertEqual(forecasts[1], forecasts[0], "shuffled within the window: the same forecasts, reading by reading")
        // As published, about half the rows come after a later reading of their beach; nearly all within 3 days.
        XCTAssertGreaterThan(forecasts[2].count, forecasts[0].count * 9 / 10, "most readings forecast in file order too")
    }

    /// The forecaster in a child process (`isolation: process`) over rows
    /// moved within its reorder window, so it holds readings across the
    /// wire: every hold mirrored and released, and the same forecasts,
    /// reading by reading, as in the host.
    func testAnIsolatedForecasterForecastsAsInTheHost() throws {
        let lines = try String(contentsOfFile: BeachCSV.path, encoding: .utf8).split(separator: "\n")
        let header = lines[0]
        let format = DateFormat("MM/dd/yyyy hh:mm:ss a")
        let time = { (row: Substring) in format.parse(String(row.split(separator: ",", omittingEmptySubsequences: false)[1])) ?? 0 }
        var random = SeededRandom(seed: 7)
        let rows = lines.dropFirst().map { ($0, time($0) + Int64(random.unit() * 86_400_000)) }.sorted { $0.1 < $1.1 }.map(\.0)
        let example = try String(contentsOfFile: TestSupport.repoRoot + "/examples/beach-csv-forecast.yaml", encoding: .utf8)
        let isolated = example.replacingOccurrences(of: "    use: forecaster.forecast\n", with: "    use: forecaster.forecast\n    isolation: process\n")
        XCTAssertNotEqual(isolated, example)
        var forecasts: [[String: JSONValue]] = []
        for (name, text) in [("host", example), ("isolated", isolated)] {
            let dir = TestSupport.tempDir("forecast-\(name)")
            try text.write(toFile: dir + "/forecast.yaml", atomically: true, encoding: .utf8)
            let (result, records) = try runExecutable(rows, header: header, dir: dir, manifest: dir + "/forecast.yaml")
            XCTAssertEqual(result.status, 0, result.stderr)
            for problem in ["still in state", "not live", "refused", "could not be mirrored"] {
                XCTAssertFalse(result.stderr.contains(problem), "\(name): \(result.stderr)")
            }
            XCTAssertEqual(records.count + TestSupport.lineCount(dir + "/beach-forecast-dead-letter.ndjson"), rows.count, name)
            var byID: [String: JSONValue] = [:]
            for r in records where r["forecast"]?["Water Temperature"]?["status"]?.string == "ok" {
                byID[r["Measurement ID"]?.string ?? ""] = r["forecast"]
            }
            forecasts.append(byID)
        }
        XCTAssertGreaterThan(forecasts[0].count, rows.count / 2)
        XCTAssertEqual(forecasts[1], forecasts[0], "isolated: the same forecasts as in the host")
    }
}
