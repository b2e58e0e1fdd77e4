import SluiceSchema
import SluiceSDK
import XCTest

/// Integers beyond 64 bits: an NDJSON record's literal becomes an exact BSON
/// decimal128 (a double would round it), and the numeric keywords compare it
/// exactly (validation 6.2: numbers by value; core 4.2.2: 1 and 1.0 are equal).
final class BigIntegerTests: XCTestCase {
    /// The record as the file and Kafka sources build it, from JSON text.
    private func record(_ json: String) throws -> [UInt8] {
        var w = BSONWriter()
        w.reset()
        try Array(json.utf8).withUnsafeBytes { try BSONFromJSON.transcode(json: $0, into: &w) }
        return w.finish()
    }

    private func valid(_ schema: JSONValue, _ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
        let compiled = try JSONSchema(["properties": ["n": schema]])
        let bytes = try record(json)
        return bytes.withUnsafeBytes { raw in
            let quick = compiled.isValid(BSONDocument(raw))
            XCTAssertEqual(quick, compiled.validate(BSONDocument(raw)).isEmpty, "isValid and validate disagree on \(json)", file: file, line: line)
            return quick
        }
    }

    func testLiteralsBeyond64BitsBecomeDecimal128() throws {
        let types = try ["18446744073709551616", "-9223372036854775809", "123456789012345678901234567890123400000",
                         "9223372036854775807", "1e30", "1234567890123456789012345678901234567"].map { text in
            try record(#"{"n": \#(text)}"#).withUnsafeBytes { BSONDocument($0)["n"]!.type }
        }
        // Int64.max stays an int64; an exponent keeps the double; 37 significant digits do not fit decimal128's 34.
        XCTAssertEqual(types, [.decimal128, .decimal128, .decimal128, .int64, .double, .double])
    }

    /// A record read and written again keeps the literal, digit for digit.
    func testWrittenBackExactly() throws {
        for text in ["18446744073709551617", "-9223372036854775809", "123456789012345678901234567890123400000"] {
            let out = try record(#"{"n": \#(text)}"#).withUnsafeBytes { JSONWriter.string(BSONDocument($0)) }
            XCTAssertEqual(out, #"{"n":\#(text)}"#)
        }
    }

    func testTypeInteger() throws {
        XCTAssertTrue(try valid(["type": "integer"], #"{"n": 123456789012345678901234567890}"#))
        XCTAssertFalse(try valid(["type": "string"], #"{"n": 123456789012345678901234567890}"#))
    }

    func testBoundsCompareExactly() throws {
        // 2^63 + 1 rounds to 2^63 as a double, which would pass this maximum.
        XCTAssertFalse(try valid(["maximum": 9_223_372_036_854_775_808.0], #"{"n": 9223372036854775809}"#))
        XCTAssertTrue(try valid(["maximum": 9_223_372_036_854_775_808.0], #"{"n": 9223372036854775808}"#))
        XCTAssertFalse(try valid(["minimum": .int(Int64.min)], #"{"n": -9223372036854775809}"#))
        XCTAssertTrue(try valid(["exclusiveMinimum": .int(Int64.max)], #"{"n": 9223372036854775808}"#))
        XCTAssertFalse(try valid(["exclusiveMaximum": 18_446_744_073_709_551_616.0], #"{"n": 18446744073709551616}"#))
    }

    func testMultipleOfIsExact() throws {
        // 2^64 + 1 is odd; as a double it is 2^64, which is even.
        XCTAssertFalse(try valid(["multipleOf": 2], #"{"n": 18446744073709551617}"#))
        XCTAssertTrue(try valid(["multipleOf": 2], #"{"n": 18446744073709551618}"#))
        XCTAssertTrue(try valid(["multipleOf": 0.5], #"{"n": 18446744073709551617}"#))
        XCTAssertFalse(try valid(["multipleOf": 7], #"{"n": 100000000000000000000}"#))
        XCTAssertTrue(try valid(["multipleOf": 1e20], #"{"n": 100000000000000000000}"#))
    }

    func testConstAndEnumCompareExactly() throws {
        XCTAssertTrue(try valid(["const": 18_446_744_073_709_551_616.0], #"{"n": 18446744073709551616}"#))
        XCTAssertFalse(try valid(["const": 18_446_744_073_709_551_616.0], #"{"n": 18446744073709551617}"#))
        XCTAssertTrue(try valid(["enum": ["x", 18_446_744_073_709_551_616.0]], #"{"n": 18446744073709551616}"#))
        XCTAssertFalse(try valid(["enum": ["x", 18_446_744_073_709_551_616.0]], #"{"n": 18446744073709551617}"#))
        XCTAssertTrue(try valid(["uniqueItems": true], #"{"n": [18446744073709551616, 18446744073709551617]}"#))
        XCTAssertFalse(try valid(["uniqueItems": true], #"{"n": [18446744073709551616, 18446744073709551616.0]}"#))
    }

    func testTheMessageShowsTheExactValue() throws {
        let compiled = try JSONSchema(["properties": ["n": ["maximum": 0]]])
        let f = try record(#"{"n": 18446744073709551617}"#).withUnsafeBytes { compiled.validate(BSONDocument($0)) }
        XCTAssertEqual(f.map(\.reason), ["18446744073709551617 is greater than the maximum 0"])
    }
}
