import SluiceSDK
import XCTest

/// `BSONDocument.isWellFormed` finds each key's end eight bytes at a time:
/// keys of every length up to past two words, at every distance from the
/// document's end, pass; a key whose NUL is missing fails wherever it stops.
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
}
