import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// A value field no record has (a typo in `value_fields`) is named once,
/// after `AbsentFields.patience` records, with the fields that were seen.
final class AbsentFieldsTests: XCTestCase {
    private func document(_ fields: [String]) -> [UInt8] {
        var w = BSONWriter(capacity: 64)
        for f in fields { w.append(f, double: 1) }
        return w.finish()
    }

    /// Feeds `records` documents (with `fields`) and returns the warnings.
    private func feed(_ watch: inout AbsentFields, _ fields: [String], records: Int) -> [String] {
        let paths = FieldPaths(watch.fields)
        var found: [BSONElement?] = []
        let bytes = document(fields)
        return bytes.withUnsafeBytes { raw in
            let doc = BSONDocument(raw)
            return (0 ..< records).compactMap { _ in
                paths.read(doc, into: &found)
                watch.count(found[...])
                return watch.note(found[...], in: doc)
            }
        }
    }

    func testAFieldNoRecordHasIsNamedOnceWithTheFieldsSeen() {
        var watch = AbsentFields(["water", "watr"])
        XCTAssertEqual(feed(&watch, ["beach", "water"], records: AbsentFields.patience - 1), [])
        XCTAssertEqual(feed(&watch, ["beach", "water", "turbidity"], records: 3),
                       ["value_fields 'watr': in none of the first 100 records, so no model learns from it (a typo?); fields seen: beach, water, turbidity"])
        XCTAssertTrue(watch.settled)
    }

    func testFieldsThatAppearAreNotReported() {
        var watch = AbsentFields(["a", "b"])
        XCTAssertEqual(feed(&watch, ["a"], records: 10), [])
        XCTAssertEqual(feed(&watch, ["b"], records: 1), [], "each field was in some record")
        XCTAssertTrue(watch.settled)
        XCTAssertEqual(feed(&watch, ["c"], records: 200), [])
    }

    /// `value_field_absent_total` is recorded once a batch per field (a host
    /// call each), with the batch's count; fields no record lacked are left out.
    func testAbsentRecordsAreCountedForOneRecordingPerBatch() {
        var watch = AbsentFields(["a", "b", "c"])
        _ = feed(&watch, ["a"], records: 7)
        _ = feed(&watch, ["a", "b"], records: 2)
        XCTAssertEqual(watch.takeCounts().map { "\($0.field):\($0.records)" }, ["1:7", "2:9"])
        XCTAssertEqual(watch.takeCounts().count, 0, "taking starts afresh")
        XCTAssertTrue(watch.settled == false)
        _ = feed(&watch, ["b"], records: 200)
        XCTAssertEqual(watch.takeCounts().map { "\($0.field):\($0.records)" }, ["0:200", "2:200"], "counted after the warning too")
    }
}
