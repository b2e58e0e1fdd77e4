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

    /// The hash reads a key's last partial word in one copy: it must be the
    /// word the bytes make shifted in one by one, so every length hashes as
    /// the definition says (and a snapshot's keys land where they did).
    func testHashTailWordIsTheBytesInOrder() {
        let m: UInt64 = 0x9E37_79B9_7F4A_7C15
        func reference(_ key: [UInt8]) -> UInt64 {
            var h = UInt64(key.count) &* m
            var i = 0
            while i + 8 <= key.count {
                var word: UInt64 = 0
                for j in 0 ..< 8 { word |= UInt64(key[i + j]) << (8 * UInt64(j)) }
                h = (h ^ word) &* m
                h ^= h >> 29
                i += 8
            }
            if i < key.count {
                var tail: UInt64 = 0
                for j in i ..< key.count { tail |= UInt64(key[j]) << (8 * UInt64(j - i)) }
                h = (h ^ tail) &* m
                h ^= h >> 29
            }
            h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
            return h ^ (h >> 32)
        }
        let bytes = Array("Montrose Beach - station 42".utf8)
        for n in 0 ... bytes.count {
            let key = Array(bytes.prefix(n))
            XCTAssertEqual(key.withUnsafeBytes { KeyTable.hash($0) }, reference(key), "length \(n)")
        }
    }
}
