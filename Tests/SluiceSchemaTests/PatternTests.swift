import SluiceSchema
import SluiceSDK
import XCTest

/// `pattern` and `patternProperties` as ECMA-262 regular expressions,
/// unanchored, on code points (validation 6.3.3, core 4.3.1).
final class PatternTests: SchemaTestCase {
    func testDigitWordAndSpaceClassesAreASCII() {
        // The issue's case: NKO DIGIT ZERO is a Unicode digit, not an ECMA-262 \d.
        check(["pattern": "^\\d$"], valid: ["0", "9"], invalid: ["\u{07C0}", "٣"], keyword: "pattern")
        check(["pattern": "^\\w+$"], valid: ["a_1"], invalid: ["é"], keyword: "pattern")
    }

    func testGroupsDoNotNeedRoomInTheMatchData() {
        check(["pattern": "^[A-Z][a-z]+(_[A-Z][a-z]+)*$"], valid: ["Montrose_Beach", "Calumet"], invalid: ["montrose"], keyword: "pattern")
    }

    func testUnanchoredAndEndOnlyDollar() {
        check(["pattern": "b"], valid: ["abc"], invalid: ["xyz"], keyword: "pattern")
        // ECMA-262's $ does not match before a final newline.
        check(["pattern": "^abc$"], valid: ["abc"], invalid: ["abc\n"], keyword: "pattern")
    }

    func testCodePointsNotBytes() {
        check(["pattern": "^.$"], valid: ["😀", "é"], invalid: ["ab", "\r", "\n"], keyword: "pattern")
        check(["pattern": "^\\u00e9$"], valid: ["é"], invalid: ["e"], keyword: "pattern")
        check(["pattern": "^[^]$"], valid: ["\n"], invalid: [""], keyword: "pattern")
    }

    func testPatternPropertiesMatchKeysInPlace() {
        check(["patternProperties": ["^\\d+$": ["type": "integer"]], "additionalProperties": false],
              valid: [["12": 1]], invalid: [["12": "x"]], keyword: "type")
        check(["patternProperties": ["^\\d+$": true], "additionalProperties": false], valid: [], invalid: [["\u{0661}": 1]],
              keyword: "additionalProperties")
    }

    func testNamedGroupsAndCaptures() throws {
        let p = try Pattern(#"^(?<ts>\S+) (\d+) (?<id>\d+)?$"#)
        XCTAssertEqual(p.groupNames, ["ts", "id"])
        let m = p.makeMatchData()
        XCTAssertEqual(p.captures("t1 5 77", m), ["ts": "t1", "id": "77"])
        XCTAssertEqual(p.captures("t1 5 ", m), ["ts": "t1"], "a group that did not take part is absent")
        XCTAssertNil(p.captures("nope", m))
    }

    func testInvalidPatternsSayWhere() {
        let e = compileError(["pattern": "a(b"])
        XCTAssertEqual(e?.path, "/pattern")
        XCTAssertTrue(e?.reason.contains("at offset 3") == true, "\(String(describing: e))")
    }
}
