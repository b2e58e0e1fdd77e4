import SluiceSchema
import SluiceSDK
import XCTest

/// Strings compare and count by code point; numbers compare by exact value
/// (validation sections 4.2.2, 6.1.3, 6.2, 6.3.1).
final class ExactnessTests: SchemaTestCase {
    func testConstEnumAndUniqueItemsCompareCodePoints() {
        // "ä" (U+00E4) and "a" + U+0308 are canonically equivalent in Swift, different in JSON Schema.
        let composed: JSONValue = "\u{E4}", decomposed: JSONValue = .string("a\u{308}")
        check(["const": composed], valid: [composed], invalid: [decomposed], keyword: "const")
        check(["enum": [composed, "x"]], valid: [composed], invalid: [decomposed], keyword: "enum")
        check(["uniqueItems": true], valid: [[composed, decomposed]], invalid: [[composed, composed]], keyword: "uniqueItems")
        check(["const": ["k": composed]], valid: [["k": composed]], invalid: [["k": decomposed]], keyword: "const")
        // Property names are matched by bytes too.
        check(["properties": ["\u{E4}": ["type": "integer"]]], valid: [[.init(stringLiteral: "a\u{308}"): "s"]], invalid: [["\u{E4}": "s"]],
              keyword: "type")
    }

    func testLengthCountsCodePoints() {
        check(["maxLength": 1], valid: ["\u{E4}", "😀"], invalid: [.string("a\u{308}")], keyword: "maxLength")
        check(["minLength": 2], valid: [.string("a\u{308}")], invalid: ["😀"], keyword: "minLength")
    }

    func testNumbersCompareExactly() {
        check(["const": 1], valid: [1, 1.0], invalid: [1.0000001], keyword: "const")
        check(["enum": [1.5]], valid: [1.5], invalid: [1], keyword: "enum")
        check(["uniqueItems": true], valid: [[1, 1.5]], invalid: [[1, 1.0]], keyword: "uniqueItems")
        // 2^63 - 1 rounds to 2^63 as a double; compared as integers it stays below.
        check(["maximum": .int(Int64.max - 1)], valid: [.int(Int64.max - 1)], invalid: [.int(Int64.max)], keyword: "maximum")
        check(["exclusiveMaximum": 9_223_372_036_854_775_807.0], valid: [.int(Int64.max)], invalid: [], keyword: nil)
        check(["minimum": 0.5], valid: [1], invalid: [0], keyword: "minimum")
        check(["type": "integer"], valid: [1.0, 1e300], invalid: [1.5], keyword: "type")
    }

    func testMultipleOfIsDecimalAndNeverOverflows() {
        // The case: 1e308 / 0.123456789 overflows a double to infinity.
        check(["type": "integer", "multipleOf": 0.123456789], valid: [0, 123456789], invalid: [1e308, 1], keyword: "multipleOf")
        check(["multipleOf": 0.123456789], valid: [0.246913578, -0.123456789], invalid: [1e308, 0.2469135781], keyword: "multipleOf")
        check(["multipleOf": 0.01], valid: [26.04, 3, 0.07, -1.23], invalid: [26.045, 0.001], keyword: "multipleOf")
        check(["multipleOf": 0.1], valid: [0.3, 1e308], invalid: [0.35], keyword: "multipleOf")
        check(["multipleOf": 3], valid: [9, 9.0, -3, 3e300], invalid: [10, 9.5, 1e300], keyword: "multipleOf")
        check(["multipleOf": 1e-10], valid: [1, 3e-10], invalid: [1.6e-10], keyword: "multipleOf")
        check(["multipleOf": .int(Int64.max)], valid: [.int(Int64.max), 0], invalid: [.int(Int64.max - 1)], keyword: "multipleOf")
    }
}

/// BSON decimal128 values (from MongoDB) meet the numeric keywords.
final class Decimal128Tests: XCTestCase {
    /// A document {"d": coefficient × 10^exponent} with a hand-encoded decimal128.
    private func document(_ coefficient: UInt64, exponent: Int, negative: Bool = false) -> [UInt8] {
        let high = (negative ? UInt64(1) << 63 : 0) | UInt64(exponent + 6176) << 49
        var body: [UInt8] = [0x13, UInt8(ascii: "d"), 0]
        withUnsafeBytes(of: coefficient.littleEndian) { body += $0 }
        withUnsafeBytes(of: high.littleEndian) { body += $0 }
        body.append(0)
        let length = Int32(4 + body.count)
        return withUnsafeBytes(of: length.littleEndian) { Array($0) } + body
    }

    func testDecimal128IsANumber() throws {
        let schema = try JSONSchema(["properties": ["d": ["type": "number", "maximum": 10, "multipleOf": 0.5]]])
        let cases: [([UInt8], Bool)] = [(document(95, exponent: -1), true), (document(105, exponent: -1), false),
                                        (document(93, exponent: -1), false), (document(5, exponent: 0, negative: true), true),
                                        (document(1, exponent: 3), false)]
        for (bytes, valid) in cases {
            bytes.withUnsafeBytes { XCTAssertEqual(schema.isValid(BSONDocument($0)), valid, "\(bytes)") }
        }
        let integer = try JSONSchema(["properties": ["d": ["type": "integer", "maximum": .int(Int64.max)]]])
        document(12, exponent: 2).withUnsafeBytes { XCTAssertTrue(integer.isValid(BSONDocument($0))) }
    }
}
