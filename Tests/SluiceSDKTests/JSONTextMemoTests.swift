import Foundation
@testable import SluiceSDK
import XCTest

/// The writer's shortcuts for lines of like records against the text they
/// replace: keys copied from the last document's (`JSONTextMemo`), dates
/// whose day is the last one's (`ISO8601.Day`), and doubles with few decimals
/// (`DoubleText.writeShort`), each with its way back to the general path.
final class JSONTextMemoTests: XCTestCase {
    /// Writes `documents` through one `JSONLines` (so each sees the memo the
    /// ones before it left) and checks each line against `JSONWriter`, which
    /// keeps no memo, in every output form.
    private func assertLinesMatch(_ documents: [[UInt8]], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        for plain in [false, true] {
            for dates in JSONWriter.Dates.allCases {
                var lines = JSONLines(capacity: 64)
                lines.plainTypes = plain
                lines.dates = dates
                var expected = ""
                for d in documents {
                    d.withUnsafeBytes { raw in
                        lines.appendLine(BSONDocument(raw))
                        var w = JSONWriter()
                        w.plainTypes = plain
                        w.dates = dates
                        w.write(BSONDocument(raw))
                        expected += w.string + "\n"
                    }
                }
                let text = lines.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
                XCTAssertEqual(text, expected, "\(message) plain \(plain) \(dates)", file: file, line: line)
            }
        }
    }

    private func document(_ keys: [String], value: (inout BSONWriter, String, Int) -> Void = { $0.append($1, int32: Int32($2)) }) -> [UInt8] {
        var w = BSONWriter()
        for (i, k) in keys.enumerated() { value(&w, k, i) }
        return w.finish()
    }

    /// Keys of every length from 0 to 40 (so the compared words end at every
    /// place), repeated, then changed at each position in turn: in the middle,
    /// at the last byte, at the NUL (a key one longer or one shorter).
    func testKeysRepeatedAndChangedAtEveryPosition() {
        for length in 0 ... 40 {
            let key = String((0 ..< length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            let keys = [key, "x" + key, key + "y", "z"]
            var docs = [document(keys), document(keys), document(keys)]
            for position in 0 ... length {
                var changed = Array(key.utf8)
                if position < length { changed[position] = UInt8(ascii: "Q") } else { changed.append(UInt8(ascii: "Q")) }
                docs.append(document([String(decoding: changed, as: UTF8.self)] + keys.dropFirst()))
                docs.append(document(keys))
            }
            if length > 0 { docs.append(document([String(key.dropLast())] + keys.dropFirst())) }
            docs += [document(keys), document(Array(keys.prefix(2))), document(keys), document(keys + ["more", "keys"]), document(keys), document([]), document(keys)]
            assertLinesMatch(docs, "key length \(length)")
        }
    }

    /// A remembered key is compared up to the document's end: keys near the end
    /// of small documents (the last word read byte by byte), with values of
    /// every fixed size after them, and keys that need escaping.
    func testKeysNearTheEndAndKeysThatNeedEscaping() {
        let values: [(inout BSONWriter, String, Int) -> Void] = [
            { w, k, _ in w.append(k, bool: true) }, { w, k, _ in w.appendNull(k) }, { w, k, i in w.append(k, int32: Int32(i)) },
            { w, k, i in w.append(k, double: Double(i) + 0.25) }, { w, k, _ in w.append(k, string: "") },
            { w, k, _ in w.appendDocument(k) { $0.appendNull(k) } },
        ]
        for (n, value) in values.enumerated() {
            for keys in [["a"], ["ab", "abcdefg"], ["abcdefgh"], ["q\"uote", "back\\slash", "tab\t", "\u{1}", "é"], ["", "a", ""]] {
                let d = document(keys, value: value)
                let other = document(keys.map { $0 + "!" }, value: value)
                assertLinesMatch([d, d, other, d, d, other, other], "value \(n) keys \(keys)")
            }
        }
    }

    /// Nested documents use the general key path; their keys do not disturb the top level's slots.
    func testNestedDocumentsAndArrays() {
        func nested(_ inner: String) -> [UInt8] {
            var w = BSONWriter()
            w.append("a", int32: 1)
            w.appendDocument("doc") { $0.append(inner, string: "v"); $0.append("a", int32: 2) }
            w.appendArray("list") { $0.append("", int32: 3); $0.append("", string: "w") }
            w.append("b", string: "end")
            return w.finish()
        }
        assertLinesMatch([nested("x"), nested("x"), nested("yy"), nested("x"), nested("a")], "nested")
    }

    /// Nested objects' keys take the slots after their parent's key: joined
    /// records (two sides, one of them sometimes null), nesting three deep,
    /// a nested key that changes, gains or loses a member, an escaped nested
    /// key, an empty object, and an array of objects (written the general way).
    func testNestedObjectsKeepTheirKeysInTheMemo() {
        func joined(_ left: Bool, _ right: Bool, extra: String? = nil) -> [UInt8] {
            var w = BSONWriter()
            if left {
                w.appendDocument("order") {
                    $0.append("order_id", string: "O-1")
                    $0.append("amount", double: 18.5)
                    if let extra { $0.append(extra, int32: 7) }
                    $0.append("created_at", datetime: 1_717_200_000_600)
                }
            } else {
                w.appendNull("order")
            }
            if right { w.appendDocument("payment") { $0.append("payment_id", string: "P-1"); $0.append("paid_at", datetime: 1_717_200_000_964) } } else { w.appendNull("payment") }
            return w.finish()
        }
        func deep(_ key: String) -> [UInt8] {
            var w = BSONWriter()
            w.appendDocument("a") { a in a.appendDocument("b") { b in b.appendDocument("c") { $0.append(key, int32: 1) }; b.append("z", bool: true) } }
            w.appendDocument("empty") { _ in }
            w.appendArray("list") { l in l.appendDocument("0") { $0.append("k", string: "v") } }
            return w.finish()
        }
        assertLinesMatch([joined(true, true), joined(true, true), joined(true, false), joined(false, true), joined(true, true, extra: "items"),
                          joined(true, true), joined(true, true, extra: "tab\tkey"), joined(false, false), joined(true, true)], "joined")
        assertLinesMatch([deep("x"), deep("x"), deep("y\"q"), deep("x"), deep("é")], "deep")
    }

    /// Past `maximumBytes` of keys the rest of a document is not remembered:
    /// the text is still the same, for that document and the next.
    func testManyLongKeysPastTheMemosLimit() {
        let keys = (0 ..< 400).map { "key number \($0) " + String(repeating: "k", count: $0 % 50) }
        XCTAssertGreaterThan(keys.reduce(0) { $0 + $1.utf8.count * 2 + 12 }, JSONTextMemo.maximumBytes)
        let d = document(keys)
        assertLinesMatch([d, d, document(Array(keys.reversed())), d, d], "many keys")
    }

    /// Documents the pointer path gives up on (a binary value, a year of five
    /// digits) go the general way between ones it writes, memo or not.
    func testGeneralPathBetweenRememberedDocuments() {
        var w = BSONWriter()
        w.append("a", int32: 1)
        w.append("bin", binary: [1, 2], subtype: 0)
        let binary = w.finish()
        var far = BSONWriter()
        far.append("a", int32: 1)
        far.append("t", datetime: 253_402_300_800_000)
        let farDate = far.finish()
        var near = BSONWriter()
        near.append("a", int32: 1)
        near.append("t", datetime: 1_717_200_000_157)
        let nearDate = near.finish()
        assertLinesMatch([nearDate, binary, nearDate, farDate, nearDate, farDate, farDate, nearDate], "general path")
    }

    /// Dates one after another: the same day (copied), the next day, a day
    /// back, the edges of four-digit years, with the day's text checked
    /// against `ISO8601.format`.
    func testDatesThroughTheRememberedDay() {
        var stamps: [Int64] = [0, 0, -1, 1, 86_399_999, 86_400_000, 253_402_300_799_999, 253_402_300_800_000, 253_402_300_799_999,
                               -62_167_219_200_000, -62_167_219_200_001, -62_167_219_200_000, 951_782_400_000, 951_868_800_000]
        var random = SeededRandom(seed: 7)
        var t: Int64 = 1_717_200_000_000
        for _ in 0 ..< 5000 {
            t += Int64(random.next() % 40_000_000) - 8_000_000
            stamps.append(t)
        }
        var day = ISO8601.Day()
        var out = [UInt8](repeating: 0, count: 24)
        for ms in stamps {
            let n = out.withUnsafeMutableBufferPointer { ISO8601.write(milliseconds: ms, into: $0.baseAddress!, day: &day) }
            let expected = ISO8601.format(milliseconds: ms)
            if expected.utf8.count == 24 {
                XCTAssertEqual(n, 24, "\(ms)")
                XCTAssertEqual(String(decoding: out, as: UTF8.self), expected, "\(ms)")
            } else {
                XCTAssertNil(n, "\(ms)")
            }
        }
        let docs = stamps.map { ms -> [UInt8] in
            var w = BSONWriter()
            w.append("t", datetime: ms)
            return w.finish()
        }
        assertLinesMatch(docs, "dates")
    }

    /// The fast double path against `description` on values with 0 … 6
    /// decimals at every magnitude, random bit patterns, and the edges where
    /// it hands over to `description` (10^-4, 10^15, five decimals).
    func testShortDoublesAgainstDescription() {
        var samples: [Double] = [0, -0.0, 1e-4, 1e-4.nextDown, 1e-4.nextUp, 0.00015, 0.99995, 9.9999, 16.0, 0.52, 9.5, -9.5,
                                 1e15, 1e15.nextDown, 1e14, 99_999_999_999_999.9, 99_999_999_999.9999, 999_999_999_999.99, 0.1 + 0.2,
                                 123.45675, 0.12345, 1e-5, 5e-324, .greatestFiniteMagnitude, 9_007_199_254_740_993, 4_503_599_627_370_495.5,
                                 .nan, .infinity, -.infinity, 100, 10, 99.99, 9.99, 999.999, 1000.0001]
        var random = SeededRandom(seed: 2026)
        let scales: [Double] = [1, 10, 100, 1000, 10000, 100_000, 1_000_000]
        for _ in 0 ..< 400_000 {
            let scale = scales[Int(random.next() % 7)]
            let magnitude = UInt64(1) << (random.next() % 54)
            samples.append(Double(Int64(random.next() % magnitude)) / scale)
            samples.append(-Double(Int64(random.next() % 100_000)) / scale)
            samples.append(Double(bitPattern: random.next()))
        }
        var fast = 0
        var out = [UInt8](repeating: 0, count: 24)
        for d in samples {
            let written = out.withUnsafeMutableBufferPointer { DoubleText.writeShort(d, negative: d.sign == .minus, into: $0.baseAddress!) }
            if let n = written {
                fast += 1
                XCTAssertEqual(String(decoding: out[..<n], as: UTF8.self), d.description, "\(d.bitPattern)")
            } else {
                let a = d.magnitude
                // Handed over only outside the range, or for a value with more than four decimals.
                XCTAssertTrue(!(a < 1e15) || (a < 1e-4 && a != 0) || (a * 10000).rounded() / 10000 != a || a * 10000 >= 1e15, "\(d)")
            }
            var appended: [UInt8] = []
            DoubleText.append(d, to: &appended)
            XCTAssertEqual(String(decoding: appended, as: UTF8.self), d.description)
        }
        XCTAssertGreaterThan(fast, samples.count / 3)
        for d in [16.0, 0.52, 9.5, 0.0, 1e-4, 123_456_789.1234, 999_999_999_999.5] {
            XCTAssertNotNil(out.withUnsafeMutableBufferPointer { DoubleText.writeShort(d, negative: false, into: $0.baseAddress!) }, "\(d)")
        }
        for d in [0.12345, 1e-5, 1e15, 1e300, Double.nan, .infinity, 5e-324] {
            XCTAssertNil(out.withUnsafeMutableBufferPointer { DoubleText.writeShort(d, negative: false, into: $0.baseAddress!) }, "\(d)")
        }
    }

    /// Writes `bytes` through a `JSONText` with a memo into exactly `roomSize`
    /// bytes followed by guard bytes; returns the text (nil when it gave up)
    /// and whether the guard bytes were left as they were.
    private func writeInRoom(_ bytes: [UInt8], roomSize: Int, reserved: Bool, plain: Bool = false) -> (text: String?, guardKept: Bool) {
        let guardBytes = 64
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: roomSize + guardBytes)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0xA5)
        let memo = UnsafeMutablePointer<JSONTextMemo>.allocate(capacity: 1)
        memo.initialize(to: JSONTextMemo())
        defer {
            memo.deinitialize(count: 1)
            memo.deallocate()
        }
        var result: String?
        bytes.withUnsafeBytes { raw in
            let d = BSONDocument(raw)
            // Twice: the second copies the keys the first remembered.
            for _ in 0 ..< 2 {
                let room = UnsafeMutableBufferPointer(rebasing: buffer[..<roomSize])
                var text = JSONText(into: room, plainTypes: plain, dates: .iso8601, memo: memo, reservedFor: reserved ? d : nil)
                result = text.document(d, asArray: false)
                    ? String(decoding: UnsafeBufferPointer(rebasing: room[..<text.written(from: room.baseAddress!)]), as: UTF8.self) : nil
            }
        }
        return (result, buffer[roomSize...].allSatisfy { $0 == 0xA5 })
    }

    private func expectedText(_ bytes: [UInt8], plain: Bool = false) -> String {
        bytes.withUnsafeBytes { raw in
            var w = JSONWriter()
            w.plainTypes = plain
            w.write(BSONDocument(raw))
            return w.string
        }
    }

    /// Documents whose text is the longest per BSON byte (every byte of keys and
    /// strings a six-byte escape, the longest doubles and integers, booleans,
    /// nulls, dates, ObjectIds, empty nested documents), written into exactly
    /// `JSONText.reservation(forLength:)`: the text is right and nothing is
    /// stored past the room, though the reserved path never checks it.
    func testReservedRoomHoldsTheLongestTexts() {
        let controls = String(decoding: [UInt8](repeating: 1, count: 37), as: UTF8.self)
        var documents: [[UInt8]] = []
        for n in [0, 1, 7, 8, 9, 16, 17] {
            let escaped = String(controls.prefix(n))
            var w = BSONWriter()
            w.append(escaped, string: escaped)
            documents.append(w.finish())
        }
        var w = BSONWriter()
        w.append("", double: -2.2250738585072014e-308)
        w.append("", double: -1.7976931348623157e308)
        w.append("", double: .nan)
        w.append("", int64: .min)
        w.append("", int32: .min)
        w.append("", bool: false)
        w.appendNull("")
        w.append("", datetime: -62_167_219_200_000)
        w.append("", objectId: Array(0 ..< 12))
        w.appendDocument("") { _ in }
        w.appendArray("") { _ in }
        w.append("", string: "\u{1}")
        documents.append(w.finish())
        for single in [{ (w: inout BSONWriter) in w.append("", bool: false) }, { w in w.appendNull("") },
                       { w in w.append("", double: -2.2250738585072014e-308) }, { w in w.append("", int64: .min) }] {
            var w = BSONWriter()
            single(&w)
            documents.append(w.finish())
        }
        for (i, d) in documents.enumerated() {
            for plain in [false, true] {
                let (text, guardKept) = writeInRoom(d, roomSize: JSONText.reservation(forLength: d.count), reserved: true, plain: plain)
                XCTAssertEqual(text, expectedText(d, plain: plain), "document \(i) plain \(plain)")
                XCTAssertTrue(guardKept, "document \(i) plain \(plain): stored past the reserved room")
            }
        }
    }

    /// Room short of the reservation: the memo's keys are not used, the room is
    /// checked at each piece (the text as `JSONWriter`'s when it fits, false and
    /// nothing past the room when it does not), and `JSONLines` always reserves.
    func testRoomShortOfTheReservationIsChecked() {
        var w = BSONWriter()
        w.append("Beach", string: "Montrose Beach")
        w.append("MeasurementID", int32: 758_000)
        w.append("WaterTemperature", double: 16.0)
        w.append("TimeStamp", datetime: 1_717_200_000_157)
        let d = w.finish()
        let expected = expectedText(d)
        let reservation = JSONText.reservation(forLength: d.count)
        XCTAssertEqual(writeInRoom(d, roomSize: reservation - 1, reserved: true).text, expected)
        XCTAssertEqual(writeInRoom(d, roomSize: reservation, reserved: false).text, expected)
        XCTAssertEqual(writeInRoom(d, roomSize: reservation, reserved: true).text, expected)
        for size in [1, 10, 40, expected.utf8.count - 1] {
            let (text, guardKept) = writeInRoom(d, roomSize: size, reserved: true)
            XCTAssertNil(text, "room \(size)")
            XCTAssertTrue(guardKept, "room \(size): stored past the room")
        }
        var lines = JSONLines(capacity: 64)
        for _ in 0 ..< 100 { d.withUnsafeBytes { lines.appendLine(BSONDocument($0)) } }
        XCTAssertEqual(lines.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }, String(repeating: expected + "\n", count: 100))
    }
}
