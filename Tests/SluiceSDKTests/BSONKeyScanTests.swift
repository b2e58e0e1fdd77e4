import SluiceSDK
import XCTest

/// `BSONDocument.isWellFormed` finds each key's end eight bytes at a time
/// (its first sixteen bytes as two words when they end before the
/// document's last byte): keys of every length up to past two words, at
/// every distance from the document's end, pass; a key whose NUL is missing
/// fails wherever it stops, and so does a value of fixed size cut short.
final class BSONKeyScanTests: XCTestCase {
    /// `{key: true}` then `{"z": null}` elements, as bytes.
    private func document(keys: [String]) -> [UInt8] {
        var body: [UInt8] = []
        for key in keys { body += [0x08] + Array(key.utf8) + [0, 1] }
        body += [0x0A, UInt8(ascii: "z"), 0]
        var bytes: [UInt8] = []
        withUnsafeBytes(of: Int32(4 + body.count + 1).littleEndian) { bytes += $0 }
        return bytes + body + [0]
    }

    private func wellFormed(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { BSONDocument.isWellFormed($0) }
    }

    func testKeysOfEveryLengthPass() {
        for length in 0 ... 20 {
            let key = String(repeating: "k", count: length)
            XCTAssertTrue(wellFormed(document(keys: [key])), "key of \(length) bytes")
            XCTAssertTrue(wellFormed(document(keys: [key, "a", key + "b"])), "keys around one of \(length) bytes")
        }
    }

    func testAKeyWithoutItsNulFails() {
        for length in 1 ... 20 {
            // The last element's key runs into the document's final NUL: no NUL of its own.
            var body: [UInt8] = [0x0A] + Array(String(repeating: "k", count: length).utf8)
            var bytes: [UInt8] = []
            withUnsafeBytes(of: Int32(4 + body.count + 1).littleEndian) { bytes += $0 }
            body = bytes + body + [0]
            XCTAssertFalse(wellFormed(body), "unterminated key of \(length) bytes")
        }
    }

    func testAKeyEndingAtTheFirstNulOfAWordIsFoundThere() {
        // Bytes after the key's NUL that are zero too must not move its end.
        var body: [UInt8] = [0x10] + Array("abc".utf8) + [0] + [0, 0, 0, 0]
        body += [0x0A, UInt8(ascii: "q"), 0]
        var bytes: [UInt8] = []
        withUnsafeBytes(of: Int32(4 + body.count + 1).littleEndian) { bytes += $0 }
        let doc = bytes + body + [0]
        XCTAssertTrue(wellFormed(doc))
        doc.withUnsafeBytes { raw in
            let keys = BSONDocument(raw).elements.map { String(decoding: $0.keyBytes, as: UTF8.self) }
            XCTAssertEqual(keys, ["abc", "q"])
        }
    }

    /// The check's arithmetic wraps: every length field of a document set to
    /// an extreme (negative, zero, past the end, near `Int32.max`) is refused,
    /// never read past.
    func testExtremeLengthsAreRefused() {
        var w = BSONWriter()
        w.append("s", string: "abc")
        w.appendDocument("d") { $0.append("y", string: "z") }
        w.appendArray("a") { $0.append("", int32: 7) }
        w.append("j", int64: 5)
        let good = w.finish()
        XCTAssertTrue(wellFormed(good))
        // Where each length field is: the document's, the string's, the nested document's and its string's, the array's.
        var fields = [0]
        good.withUnsafeBytes { raw in
            func walk(_ doc: BSONDocument) {
                for e in doc.elements where [.string, .document, .array].contains(e.type) {
                    fields.append(raw.baseAddress!.distance(to: e.valueBytes.baseAddress!))
                    if let nested = e.document { walk(nested) }
                }
            }
            walk(BSONDocument(raw))
        }
        XCTAssertEqual(fields.count, 5)
        for field in fields {
            for length in [Int32.min, Int32.min + 1, -5, -1, 0, Int32(good.count - field + 1), Int32.max - 8, Int32.max - 3, Int32.max] {
                var bad = good
                withUnsafeBytes(of: length.littleEndian) { bad.replaceSubrange(field ..< field + 4, with: $0) }
                XCTAssertFalse(wellFormed(bad), "length \(length) at byte \(field)")
            }
        }
    }

    /// One element `code`, `key`, `value`, then `padding` elements of
    /// `{"": null}` (two bytes each) before the document's NUL.
    private func element(_ code: UInt8, key: Int, value: [UInt8], padding: Int) -> [UInt8] {
        var body: [UInt8] = [code] + [UInt8](repeating: UInt8(ascii: "k"), count: key) + [0] + value
        for _ in 0 ..< padding { body += [0x0A, 0] }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: Int32(4 + body.count + 1).littleEndian) { bytes += $0 }
        return bytes + body + [0]
    }

    private let fixedSizes: [(code: UInt8, size: Int)] = [(0x01, 8), (0x09, 8), (0x11, 8), (0x12, 8), (0x10, 4), (0x08, 1),
                                                          (0x07, 12), (0x13, 16), (0x0A, 0), (0x06, 0), (0x7F, 0), (0xFF, 0)]

    /// Keys across the two words' boundaries (14 to 17 bytes: NUL in the
    /// first word, the second, or past both), at every distance from the
    /// end where the words fit or do not: each value of fixed size passes.
    func testKeysAroundTheTwoWordsPassAtEveryDistanceFromTheEnd() {
        for (code, size) in fixedSizes {
            for key in [0, 6, 7, 8, 14, 15, 16, 17, 23, 24] {
                for padding in 0 ... 9 {
                    let doc = element(code, key: key, value: [UInt8](repeating: 1, count: size), padding: padding)
                    XCTAssertTrue(wellFormed(doc), "type \(code), key of \(key) bytes, \(padding) elements after")
                }
            }
        }
    }

    /// No value of fixed size is checked against the end on its own: one
    /// that runs into or past the document's NUL fails at the end all the same.
    func testAValueOfFixedSizeCutShortFails() {
        for (code, size) in fixedSizes where size > 0 {
            for key in [0, 7, 15, 16] {
                for cut in 1 ... size {
                    let doc = element(code, key: key, value: [UInt8](repeating: 1, count: size - cut), padding: 0)
                    XCTAssertFalse(wellFormed(doc), "type \(code), key of \(key) bytes, \(cut) bytes short")
                }
                // A byte left over after the value: too short for another element.
                let doc = element(code, key: key, value: [UInt8](repeating: 1, count: size + 1), padding: 0)
                XCTAssertFalse(wellFormed(doc), "type \(code), key of \(key) bytes, a byte left over")
            }
        }
    }

    /// A key whose only NUL is the document's own, found in the words: the
    /// element of every type then has no room and the document fails.
    func testAKeyEndingAtTheDocumentsNulFailsForEveryType() {
        for code in [UInt8(0x01), 0x02, 0x03, 0x04, 0x05, 0x07, 0x08, 0x0A, 0x0B, 0x0C, 0x0F, 0x10, 0x13, 0x7F] {
            for length in 14 ... 18 {
                let body: [UInt8] = [code] + [UInt8](repeating: UInt8(ascii: "k"), count: length)
                var bytes: [UInt8] = []
                withUnsafeBytes(of: Int32(4 + body.count + 1).littleEndian) { bytes += $0 }
                XCTAssertFalse(wellFormed(bytes + body + [0]), "type \(code), key of \(length) bytes")
            }
        }
    }

    /// Key bytes with the top bit set, or 0x01 (one borrow away from zero in
    /// a word's zero test), never end a key: only a NUL does, wherever it lies.
    func testNonASCIIKeyBytesAreNotTakenForTheNul() {
        for fill in [UInt8(0x80), 0xFF, 0x01, 0xC3] {
            for key in 0 ... 20 {
                for padding in [0, 8] {
                    var body: [UInt8] = [0x10] + [UInt8](repeating: fill, count: key) + [0, 7, 0, 0, 0]
                    for _ in 0 ..< padding { body += [0x0A, 0] }
                    var bytes: [UInt8] = []
                    withUnsafeBytes(of: Int32(4 + body.count + 1).littleEndian) { bytes += $0 }
                    let doc = bytes + body + [0]
                    XCTAssertTrue(wellFormed(doc), "key of \(key) bytes 0x\(String(fill, radix: 16)), \(padding) after")
                    doc.withUnsafeBytes { raw in
                        XCTAssertEqual(BSONDocument(raw).elements.first { _ in true }?.keyBytes.count, key)
                    }
                }
            }
        }
    }
}
