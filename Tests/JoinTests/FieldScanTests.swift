@testable import JoinPlugin
import SluiceSDK
import XCTest

/// The join's one-pass scan for a key and a time field, against
/// `BSONDocument`'s lookup by name over random documents: every type, keys
/// shorter and longer than a word, repeated names, names ending within a
/// word of the document's end.
final class FieldScanTests: XCTestCase {
    private let names = ["k", "order_id", "created_at", "a_name_longer_than_two_words", "t", "", "x"]

    /// Appends one element of a random type under `name`.
    private func appendRandom(_ name: String, to w: inout BSONWriter, _ random: inout SystemRandomNumberGenerator) {
        switch Int.random(in: 0 ..< 12, using: &random) {
        case 0: w.append(name, double: Double.random(in: -1e6 ... 1e6, using: &random))
        case 1: w.append(name, string: String(repeating: "s", count: Int.random(in: 0 ..< 20, using: &random)))
        case 2: w.append(name, int32: Int32.random(in: .min ... .max, using: &random))
        case 3: w.append(name, int64: Int64.random(in: .min ... .max, using: &random))
        case 4: w.append(name, bool: Bool.random(using: &random))
        case 5: w.append(name, datetime: Int64.random(in: 0 ... 2_000_000_000_000, using: &random))
        case 6: w.appendNull(name)
        case 7: w.append(name, objectId: (0 ..< 12).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        case 8: w.append(name, binary: [1, 2, 3], subtype: 4)
        case 9: w.appendDocument(name) { $0.append("inner", int32: 7) }
        case 10: w.appendArray(name) { $0.append("0", string: "a") }
        default: w.append(name, string: "")
        }
    }

    private func same(_ found: BSONElement?, _ expected: BSONElement?, _ context: String) {
        XCTAssertEqual(found?.type, expected?.type, context)
        XCTAssertEqual(found.map { Array($0.keyBytes) }, expected.map { Array($0.keyBytes) }, context)
        XCTAssertEqual(found.map { Array($0.valueBytes) }, expected.map { Array($0.valueBytes) }, context)
    }

    func testFindsTheFirstElementOfEachNameAsALookupDoes() {
        var random = SystemRandomNumberGenerator()
        for round in 0 ..< 2000 {
            var w = BSONWriter()
            for _ in 0 ..< Int.random(in: 0 ..< 9, using: &random) {
                appendRandom(names.randomElement(using: &random)!, to: &w, &random)
            }
            let bytes = w.finish()
            let first = names.randomElement(using: &random)!
            let second = Bool.random(using: &random) ? names.randomElement(using: &random)! : nil
            let scan = FieldScan(first, second)
            bytes.withUnsafeBytes { raw in
                let document = BSONDocument(raw)
                guard let (a, b) = scan.find(in: raw) else { return XCTFail("round \(round): unreadable") }
                let expected = document[first]
                same(a < 0 ? nil : scan.element(at: a, second: false, in: raw), expected, "round \(round): \(first)")
                if a >= 0 {
                    XCTAssertEqual(scan.string(at: a, second: false, in: raw).map(Array.init), expected?.stringBytes.map(Array.init))
                    XCTAssertEqual(scan.datetime(at: a, second: false, in: raw), expected?.datetime)
                }
                guard let second else { return XCTAssertEqual(b, -1) }
                let expectedSecond = document[second]
                same(b < 0 ? nil : scan.element(at: b, second: true, in: raw), expectedSecond, "round \(round): \(second)")
                if b >= 0 { XCTAssertEqual(scan.datetime(at: b, second: true, in: raw), expectedSecond?.datetime) }
            }
        }
    }

    func testBytesThatAreNotADocumentAreUnreadable() {
        var w = BSONWriter()
        w.append("a", string: "value")
        w.append("k", int32: 1)
        let good = w.finish()
        let scan = FieldScan("k", nil)
        // A string's length running past the end, an unknown type byte, no NUL after a key.
        var longString = good
        longString[7] = 0x7F
        var unknownType = good
        unknownType[4] = 0x42
        var unterminated = Array(good.prefix(6))
        unterminated.append(0)
        for (name, bytes) in [("long string", longString), ("unknown type", unknownType), ("unterminated", unterminated)] {
            bytes.withUnsafeBytes { raw in XCTAssertNil(scan.find(in: raw), name) }
        }
        good.withUnsafeBytes { raw in
            guard let (k, none) = scan.find(in: raw), k >= 0 else { return XCTFail("good") }
            XCTAssertEqual(none, -1)
            XCTAssertEqual(scan.element(at: k, second: false, in: raw).int32, 1)
        }
    }
}
