import Foundation
import SluiceFormats
import SluiceTestSupport
import XCTest

/// `CSVRecords` joins the lines of a record with an open quoted field by
/// scanning each line once. Its verdicts must be those of re-splitting the
/// whole record after every line (what it did before, quadratic in a stray
/// quote's reach), and a stray quote must cost neither time nor memory
/// without bound.
final class CSVRecordsTests: XCTestCase {
    /// Every text of up to 7 characters over `a , " \r \n`, fed as lines:
    /// the same items as the re-splitting definition.
    func testAgreesWithResplittingTheRecordAfterEveryLine() {
        let alphabet: [Character] = ["a", ",", "\"", "\r", "\n"]
        var texts: [String] = [""]
        var checked = 0
        for _ in 0 ..< 7 {
            texts = texts.flatMap { t in alphabet.map { t + String($0) } }
            for text in texts {
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                var records = CSVRecords()
                var open: String?
                for (i, line) in lines.enumerated() {
                    let joined = open.map { $0 + "\n" + line } ?? String(line)
                    let expected = CSV.fields(joined)
                    let item = records.feed(line, number: i + 1)
                    open = expected == nil ? joined : nil
                    switch item {
                    case nil: XCTAssertNil(expected, "\(text.debugDescription) line \(i + 1)")
                    case let .header(names): XCTAssertEqual(names, expected.map { CSV.headerNames($0).names }, text.debugDescription)
                    case let .record(cells, _): XCTAssertEqual(cells, expected, text.debugDescription)
                    case let .mismatched(_, cells, _, _): XCTAssertEqual(cells, expected?.count, text.debugDescription)
                    case .unterminated: XCTFail("a record of 7 characters is under any limit")
                    }
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 90_000)
    }

    /// A stray quote on line 2 of 200,000 lines: the open record ends at the
    /// limit as one `unterminated` item and the lines after it are records
    /// again, in linear time (before: every line re-split the whole open record).
    func testAStrayQuoteEndsAtTheLimitAndReadingGoesOn() {
        var records = CSVRecords(maxRecordBytes: 64 << 10)
        _ = records.feed("id,note", number: 1)
        _ = records.feed("1,\"stray quote", number: 2)
        var unterminated: [Int] = []
        var rows = 0
        let started = Date()
        for n in 3 ... 200_000 {
            switch records.feed(Substring("\(n),plain text of a reading"), number: n) {
            case let .unterminated(text, line):
                unterminated.append(line)
                XCTAssertLessThanOrEqual(text.utf8.count, 800, "the item carries the record's start, not all of it")
            case .record: rows += 1
            default: break
            }
        }
        XCTAssertEqual(unterminated.first, 2)
        XCTAssertGreaterThan(rows, 190_000, "the lines after the stray record were not read as records")
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "a stray quote made reading superlinear")
    }
}
