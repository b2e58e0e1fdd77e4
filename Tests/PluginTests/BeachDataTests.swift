import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The real Chicago beach sensor data (a slice, dirty as published) through
/// file.read → validator, checked against a count made here from the CSV.
final class BeachDataTests: XCTestCase {
    func testValidAndRejectedRowsMatchAnIndependentCount() throws {
        let csv = TestSupport.repoRoot + "/examples/data/beach_water_quality_sample.csv"
        let dir = TestSupport.tempDir("beach")
        let manifest = try String(contentsOfFile: TestSupport.repoRoot + "/examples/beach-csv-clean.yaml", encoding: .utf8)
            .replacingOccurrences(of: "${BEACH_CSV:-examples/data/beach_water_quality_sample.csv}", with: csv)
            .replacingOccurrences(of: "${SLUICE_OUT:-out}", with: dir)
        let summary = try TestSupport.run(manifest, dir: dir)

        // The same rules, applied to the raw text.
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst()
        var valid = 0, sentinels = 0, nameOnly = 0
        for row in rows {
            let f = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func number(_ i: Int) -> Double? { Double(f[i]) }
            let ok = !f[1].isEmpty && (number(2).map { (-5 ... 40).contains($0) } ?? false) && (number(3).map { $0 >= 0 } ?? false)
                && (number(7).map { $0 >= 0 } ?? false) && (f[5].isEmpty || (number(5) ?? -1) >= 0) && (f[6].isEmpty || (number(6) ?? -1) >= 0)
            if ok { valid += 1 }
            if f[5].hasPrefix("-99999") || f[6].hasPrefix("-99999") || f[6] == "-100000" { sentinels += 1 }
            if f[1].isEmpty { nameOnly += 1 }
        }
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
