import SluiceSchema
import SluiceSDK
import XCTest

/// `format` (validation section 7): an annotation unless format assertion is
/// on, then each format to its RFC.
final class FormatTests: SchemaTestCase {
    private let asserting = SchemaOptions(formatAssertion: true)

    private func format(_ name: String, valid: [String], invalid: [String], file: StaticString = #filePath, line: UInt = #line) {
        check(["format": .string(name)], valid: valid.map(JSONValue.string), invalid: invalid.map(JSONValue.string), keyword: "format",
              options: asserting, file: file, line: line)
    }

    func testFormatIsAnAnnotationByDefault() {
        // The issue's case: "2962" is no email, but 2020-12 only annotates.
        check(["format": "email"], valid: ["2962"], invalid: [], keyword: nil)
        check(["format": "no-such-format"], valid: ["x"], invalid: [], keyword: nil)
        check(["format": "email"], valid: [], invalid: ["2962"], keyword: "format", options: asserting)
        // Formats apply to strings only.
        check(["format": "ipv4"], valid: [12, ["a": 1]], invalid: [], keyword: nil, options: asserting)
    }

    func testUnknownFormatIsACompileErrorWhenAsserting() {
        XCTAssertTrue(compileError(["format": "no-such-format"], options: asserting)?.reason.contains("unknown format") == true)
    }

    func testDatesAndTimes() {
        format("date-time", valid: ["2013-08-30T08:00:00Z", "2013-08-30t08:00:00.5+02:00", "1998-12-31T23:59:60Z", "1998-12-31T15:59:60-08:00"],
               invalid: ["2013-08-30", "2013-08-30T08:00:00", "2013-02-29T08:00:00Z", "2013-08-30 08:00:00Z", "1998-12-31T23:58:60Z",
                         "2013-08-30T24:00:00Z", "2013-08-30T08:00:00+0200"])
        format("date", valid: ["2020-02-29", "2000-02-29"], invalid: ["2019-02-29", "1900-02-29", "2020-1-01", "2020-13-01", "2020-04-31"])
        format("time", valid: ["08:30:06Z", "08:30:06.283185+01:00", "23:59:60Z"], invalid: ["08:30:06", "8:30:06Z", "08:30:06 Z", "22:59:60Z"])
        format("duration", valid: ["P4DT12H30M5S", "P1Y", "PT1M", "P2W", "P1Y2M", "PT36H"],
               invalid: ["P", "PT", "P1D2H", "P2W1D", "P1Y1D", "PT1H1S", "1D", "P1.5D", "P1DT"])
    }

    func testEmailAndHostnames() {
        format("email", valid: ["a.b@example.com", "joe.bloggs@[127.0.0.1]", "\"joe bloggs\"@example.com", "a@b", "x+tag@ex-ample.org",
                                "u@[IPv6:::1]"],
               invalid: ["2962", "no-at.example.com", ".a@example.com", "a..b@example.com", "a.@example.com", "a@-example.com",
                         "ä@example.com"])
        format("idn-email", valid: ["ä@example.com", "실례@실례.테스트"], invalid: ["2962", "a@b@c"])
        format("hostname", valid: ["example.com", "a", "xn--bcher-kva.example", String(repeating: "a", count: 63) + ".com"],
               invalid: ["-a.com", "a-.com", "a..com", "", String(repeating: "a", count: 64) + ".com", "a_b.com", "ab--c.com", "ä.com"])
        format("idn-hostname", valid: ["실례.테스트", "bücher.example", "example.com", "l·l"],
               invalid: ["-bücher", "Bücher\u{0307}.example", "\u{0301}a", "a·b", "ab--c"])
    }

    func testAddresses() {
        format("ipv4", valid: ["192.168.0.1", "0.0.0.0"], invalid: ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "١.2.3.4"])
        format("ipv6", valid: ["::1", "::", "1:2:3:4:5:6:7:8", "fe80::1", "::ffff:192.168.0.1", "1::8"],
               invalid: ["1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::ffff:256.0.0.1", ":1", "1:", "fe80::1%eth0", "g::1"])
    }

    func testURIsAndIRIs() {
        format("uri", valid: ["http://example.com/a?b=c#d", "urn:isbn:0451450523", "mailto:a@b.c", "http://[::1]:80/", "file:///tmp/x"],
               invalid: ["/relative", "a b:c", "http://example.com/a b", "1http://x", "http://ex%ample.com", "http://é.com"])
        format("uri-reference", valid: ["/relative", "#frag", "", "a/b?c", "http://x"], invalid: ["\\\\WINDOWS", "a b", "#frag#frag"])
        format("iri", valid: ["http://é.com/π", "http://[::1]/"], invalid: ["/π", "http://é.com/ a"])
        format("iri-reference", valid: ["/π", "#ƒrag"], invalid: ["a b", "#fr ag"])
        format("uri-template", valid: ["http://example.com/{id}", "{+path}/here", "{?x,y*}", "{var:30}", "plain"],
               invalid: ["{", "http://example.com/{id", "{x:0}", "{x y}", "{}", "a}b"])
    }

    func testIdentifiersAndPointers() {
        format("uuid", valid: ["123e4567-e89b-42d3-a456-426614174000", "00000000-0000-0000-0000-000000000000"],
               invalid: ["123e4567e89b42d3a456426614174000", "123e4567-e89b-42d3-a456-42661417400g"])
        format("json-pointer", valid: ["", "/a", "/a~0b/~1", "/"], invalid: ["a", "/a~2", "/~"])
        format("relative-json-pointer", valid: ["0", "1/a", "2#", "0+1/x", "3-2#"], invalid: ["", "01", "/a", "-1", "1#/a", "0+01"])
        format("regex", valid: ["^[a-z]+$", "(?<n>x)\\1"], invalid: ["(", "[z-a]"])
    }

    /// RFC 5893 section 2: in a name holding any right-to-left character,
    /// each label reads in one direction; the examples follow its six rules.
    func testIDNHostnameBidiRule() {
        format("idn-hostname",
               valid: ["\u{5E9}\u{5DC}\u{5D5}\u{5DD}",                 // Hebrew letters (R)
                       "\u{645}\u{62B}\u{627}\u{644}.example",          // Arabic (AL), then an LTR label
                       "\u{5D0}1",                                      // rule 3: an RTL label may end with EN
                       "\u{5D0}\u{5B0}",                                // rule 3: trailing NSM after R
                       "\u{627}\u{661}",                                // rule 3: ... or end with AN
                       "abc.\u{5D0}\u{5D1}",                            // rule 6: an LTR label ends with L
                       "a1.\u{5D0}\u{5D1}",                             // rule 6: ... or EN
                       "123.example"],                                  // no RTL label: the rule does not apply
               invalid: ["1\u{5D0}",                                    // rule 1: starts with EN
                         "123.\u{5D0}\u{5D1}",                          // rule 1, in another label of a Bidi name
                         "\u{5D0}a",                                    // rule 2: L in an RTL label
                         "\u{627}1\u{661}",                             // rule 4: EN and AN together
                         "a\u{5D0}",                                    // rule 5: R in an LTR label
                         "a\u{661}",                                    // rule 5: AN in an LTR label
                         "\u{5D0}-\u{5D1}.a-1-\u{5D2}"])                 // rule 5 again, with hyphens around
    }
}
