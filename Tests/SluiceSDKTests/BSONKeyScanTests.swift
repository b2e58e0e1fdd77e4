import SluiceSDK
import XCTest

/// `BSONDocument.isWellFormed` finds each key's end sixteen bytes at a time
/// while they end before the document's last byte (two blocks, then a word
/// at a time): keys of every length up to past both blocks, at every
/// distance from the document's end, pass; a key whose NUL is missing fails
/// wherever it stops, and so does a value of fixed size cut short. Every
/// document is checked flush against an unreadable page, so a read past its
/// end crashes the test instead of passing unnoticed.
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

    /// `isWellFormed` of a copy of `bytes` that ends where an unreadable page starts.
    private func wellFormed(_ bytes: [UInt8]) -> Bool {
        withGuardedBytes(bytes) { BSONDocument.isWellFormed($0) }
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
            for key in [0, 6, 7, 8, 14, 15, 16, 17, 23, 24, 30, 31, 32, 33, 34, 46, 47, 48, 49, 50] {
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
            for key in [0, 7, 15, 16, 31, 32, 47] {
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
            for length in [14, 15, 16, 17, 18, 30, 31, 32, 33, 34, 46, 47, 48, 49, 50] {
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

    /// DBPointer and code with scope (deprecated; nothing in Sluice makes
    /// them) are refused even when laid out as the BSON spec says: their
    /// inner string and scope are not checked, so no reader may meet them.
    func testDeprecatedPointerAndCodeWithScopeAreRefused() {
        var pointer: [UInt8] = [2, 0, 0, 0, UInt8(ascii: "x"), 0]
        pointer += [UInt8](repeating: 7, count: 12)
        XCTAssertFalse(wellFormed(element(0x0C, key: 1, value: pointer, padding: 0)))
        let scope: [UInt8] = [5, 0, 0, 0, 0]
        let code: [UInt8] = [2, 0, 0, 0, UInt8(ascii: "x"), 0]
        var withScope: [UInt8] = []
        withUnsafeBytes(of: Int32(4 + code.count + scope.count).littleEndian) { withScope += $0 }
        XCTAssertFalse(wellFormed(element(0x0F, key: 1, value: withScope + code + scope, padding: 0)))
        // The same bytes as a string and a nested document pass: only the types are refused.
        XCTAssertTrue(wellFormed(element(0x02, key: 1, value: code, padding: 0)))
        XCTAssertTrue(wellFormed(element(0x03, key: 1, value: scope, padding: 0)))
    }

    /// Documents nested `maxNesting` deep pass; one level more fails, so a
    /// plugin's document cannot recurse the check off its stack.
    func testNestingDeeperThanTheLimitIsRefused() {
        func nested(_ levels: Int) -> [UInt8] {
            var doc: [UInt8] = [5, 0, 0, 0, 0]
            for _ in 0 ..< levels {
                let body: [UInt8] = [0x03, UInt8(ascii: "a"), 0] + doc
                var bytes: [UInt8] = []
                withUnsafeBytes(of: Int32(4 + body.count + 1).littleEndian) { bytes += $0 }
                doc = bytes + body + [0]
            }
            return doc
        }
        XCTAssertTrue(wellFormed(nested(BSONDocument.maxNesting)))
        XCTAssertFalse(wellFormed(nested(BSONDocument.maxNesting + 1)))
    }

    /// JSON nested as deep as the parser takes becomes a document the check passes.
    func testTheDeepestJSONTheParserTakesPassesTheCheck() {
        var depth = 1
        while true {
            let json = Array((String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)).utf8)
            guard let doc = json.withUnsafeBytes({ try? BSONFromJSON.document(json: $0) }) else { break }
            XCTAssertTrue(doc.withUnsafeBytes { BSONDocument.isWellFormed($0) }, "JSON nested \(depth) deep")
            depth += 1
        }
        // The parser counts its depth before it opens a value: the deepest JSON it takes is maxNesting - 1 objects.
        XCTAssertEqual(depth - 1, BSONDocument.maxNesting - 1, "objects in the deepest JSON the parser takes")
    }
}
