import XCTest
@testable import ForecasterPlugin

/// The key table: one slot per distinct byte string, short keys matched in
/// the bucket, long ones on their bytes, through every growth.
final class KeyTableTests: XCTestCase {
    func testEveryDistinctKeyGetsItsOwnSlotThroughGrowth() {
        // Short and long keys, shared 16-byte prefixes, a trailing NUL, the empty key.
        let prefix = "Montrose Beach -"
        var keys = (0 ..< 5000).map { "sensor-\($0)" } + (0 ..< 3000).map { "\(prefix) station \($0)" }
        keys += ["", "a", "a\u{0}", "\(prefix)", "\(prefix)x", "\(prefix)y", String(repeating: "z", count: 300)]
        var table = KeyTable()
        for (i, key) in keys.enumerated() {
            let (slot, added) = table.slot(adding: key)
            XCTAssertTrue(added, key)
            XCTAssertEqual(slot, i)
        }
        XCTAssertEqual(table.keys.count, keys.count)
        for (i, key) in keys.enumerated() {
            let again = table.slot(adding: key)
            XCTAssertEqual(again.slot, i, "found again after the table grew: \(key)")
            XCTAssertFalse(again.added)
        }
        XCTAssertEqual(table.keys, keys)
        XCTAssertEqual(table.slot(adding: "\(prefix) station 3000").slot, keys.count, "a new key, however like the others")
    }
}
