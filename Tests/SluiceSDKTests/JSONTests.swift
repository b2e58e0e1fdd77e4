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
