import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The real Chicago beach sensor data (a slice, dirty as published) through
/// file.read → validator, checked against a count made here from the CSV.
final class BeachDataTests: XCTestCase {
    func testValidAndRejectedRowsMatchAnIndependentCount() throws {
        let csv = BeachCSV.path
        let dir = TestSupport.tempDir("beach")
        let manifest = try String(contentsOfFile: TestSupport.repoRoot + "/examples/beach-csv-clean.yaml", encoding: .utf8)
            .replacingOccurrences(of: "${BEACH_CSV:-data/beach_water_quality_sample.csv}", with: csv)
            .replacingOccurrences(of: "${SLUICE_OUT:-../out}", with: dir)
        let summary = try TestSupport.run(manifest, dir: dir)

        let csvCount = try BeachCSV()
        let rows = csvCount.rows
        let (valid, sentinels, nameOnly) = (csvCount.valid, csvCount.sentinels, csvCount.nameOnly)
        XCTAssertEqual(summary.read, rows.count)
        XCTAssertEqual(TestSupport.lineCount(dir + "/beach-clean.ndjson"), valid)
        let dead = try TestSupport.readNDJSON(dir + "/beach-dead-letter.ndjson")
        XCTAssertEqual(dead.count, rows.count - valid)
        XCTAssertGreaterThan(sentinels, 0)
        XCTAssertGreaterThan(nameOnly, 0)
        XCTAssertEqual(dead.filter { $0["reason"]!.string!.contains("-99999.992 is less than the minimum 0") }.count, sentinels)
        XCTAssertEqual(dead.filter { $0["reason"]!.string!.contains("/Measurement Timestamp: cannot convert null") }.count, nameOnly)

        // 08/30/2013 08:00:00 AM in Chicago (UTC-5 in summer) is 13:00 UTC.
        let first = try TestSupport.readNDJSON(dir + "/beach-clean.ndjson")[0]
        XCTAssertEqual(first["Measurement Timestamp"]?["$date"]?.string, "2013-08-30T13:00:00.000Z")
        XCTAssertEqual(first["Water Temperature"], 20.3)
    }
}
