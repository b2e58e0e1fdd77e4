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
        XCTAssertEqual(table.count, keys.count)
        for (i, key) in keys.enumerated() {
            XCTAssertEqual(table.slot(adding: key).slot, i, "found again after the table grew: \(key)")
            var k = key
            XCTAssertEqual(k.withUTF8 { table.slot(of: UnsafeRawBufferPointer($0)) }, i)
        }
        XCTAssertEqual(table.keys, keys)
        var unseen = "\(prefix) station 3000"
        XCTAssertNil(unseen.withUTF8 { table.slot(of: UnsafeRawBufferPointer($0)) })
    }
}
