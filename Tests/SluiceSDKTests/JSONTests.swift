import SluiceSDK
import XCTest

final class JSONTests: XCTestCase {
    func testParsesValuesAndEscapes() throws {
        let v = try JSONParser.parse(#" {"a": [1, -2.5e2, true, false, null], "s": "tab\t \u00e9 \ud83d\ude00 \"q\""} "#)
        XCTAssertEqual(v["a"], [1, -250.0, true, false, nil])
        XCTAssertEqual(v["s"]?.string, "tab\t é 😀 \"q\"")
        XCTAssertEqual(try JSONParser.parse("9223372036854775807"), .int(Int64.max))
        XCTAssertEqual(try JSONParser.parse("1.0"), 1)
    }

    /// The digit-accumulating fast path must agree with Swift's own parsing
    /// (strtod) on every number, including the ones it hands back to it.
    func testNumbersMatchTheStandardLibraryBitForBit() throws {
        var random = SeededRandom(seed: 42)
        var samples = ["0", "-0", "-0.0", "1e5", "2.5E-3", "9223372036854775807", "-9223372036854775808",
                       "9223372036854775808", "12345678901234567890123", "0.1", "0.30000000000000004",
                       "1.7976931348623157e308", "5e-324", "123456789012345678.5", "0.000000000000000000000123",
                       "9007199254740993.0", "1e22", "1e23", "4.35", "-99999.992", "20.3"]
        for _ in 0 ..< 20000 {
            let digits = Int.random(in: 1 ... 20, using: &random)
            var text = Int.random(in: 0 ... 1, using: &random) == 0 ? "" : "-"
            text += String(Int.random(in: 1 ... 9, using: &random))
            for _ in 1 ..< digits { text += String(Int.random(in: 0 ... 9, using: &random)) }
            if Bool.random(using: &random) {
                let point = Int.random(in: 1 ... text.count - (text.hasPrefix("-") ? 1 : 0), using: &random)
                let index = text.index(text.endIndex, offsetBy: -point + 1)
                text.insert(".", at: index)
                if text.hasSuffix(".") { text += "0" }
            }
            if Int.random(in: 0 ... 3, using: &random) == 0 { text += "e\(Int.random(in: -30 ... 30, using: &random))" }
            samples.append(text)
        }
        for text in samples {
            let parsed = try JSONParser.parse(text)
            if let i = Int64(text) {
                XCTAssertEqual(parsed, .int(i), text)
            } else {
                guard case let .double(d) = parsed else { return XCTFail("\(text) parsed as \(parsed)") }
                XCTAssertEqual(d.bitPattern, Double(text)!.bitPattern, text)
            }
        }
    }

    func testRejectsInvalidJSONWithOffset() {
        for bad in ["{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "tru", "1 2", "{\"a\":1,}"] {
            XCTAssertThrowsError(try JSONParser.parse(bad), bad) { error in
                XCTAssertTrue("\(error)".contains("invalid JSON at byte"), "\(error)")
            }
        }
    }

    func testWriterEscapesAndRoundTrips() throws {
        let v: JSONValue = ["k\n": "line\nbreak \u{01}", "n": 3, "d": 0.1, "arr": [nil, true]]
        let text = JSONWriter.string(v)
        XCTAssertTrue(text.contains(#""line\nbreak \u0001""#))
        XCTAssertEqual(try JSONParser.parse(text), v)
    }
}
