@testable import SluiceCore
import SluiceSDK
import XCTest
import Yams

/// `YAMLTyping` against Yams' default resolver, the NSRegularExpression one it replaces.
final class YAMLTypingTests: XCTestCase {
    /// The tag Yams' default resolver gives `text`; merge, timestamp and value count as strings, as in the manifest.
    private func yamsTag(_ text: String) -> Tag.Name {
        let name = Tag.Name(rawValue: Node(text).tag.rawValue)
        return [.merge, .timestamp, .value].contains(name) ? .str : name
    }

    /// What the manifest made of a plain scalar before: Yams' typing of `Node(text)`.
    private func yamsValue(_ text: String) -> JSONValue {
        let node = Node(text)
        switch node.tag {
        case Tag(.null): return .null
        case Tag(.bool): return node.bool.map(JSONValue.bool) ?? .string(text)
        case Tag(.int): return node.int.map { .int(Int64($0)) } ?? .string(text)
        case Tag(.float): return node.float.map(JSONValue.double) ?? .string(text)
        default: return .string(text)
        }
    }

    private func check(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(YAMLTyping.plainTag(text), yamsTag(text), text.debugDescription, file: file, line: line)
    }

    func testTheWordsAndFormsOfEachType() {
        let cases = [
            "", "~", "null", "Null", "NULL", "nULL", "none", "yes", "Yes", "YES", "yEs", "no", "NO", "true", "True", "TRUE", "tRUE",
            "false", "off", "Off", "OFF", "on", "ON", "y", "n", "0", "-0", "+0", "00", "07", "08", "0_7", "0o17", "0o", "0o8", "+0o7",
            "0b101", "0b", "0b2", "-0b1_0", "0x1A", "0X1A", "0x", "0xg", "0x_", "-0xff", "1", "12_345", "-12", "+1_", "1__",
            "1:30", "1:60", "1:5", "1:05", "1:005", "190:20:30", "1::30", "1:", ":30", "0:30", "-1:30", "1_0:3", "1:30.5",
            "0:30.5", "-1:30.", "1:30.5_", "1:30.5.1", "1:60.5", "1.5", "1.", ".5", ".", "..", "1.5.5", "1e5", "1E5", "1e+5",
            "1e-5", "1e", "1e+", "1.5e5", "1_0.5_e5", ".5e+1", ".5e1", ".5e", "._", "._5", ".inf", "-.inf", "+.Inf", ".INF",
            ".iNf", "inf", ".nan", ".NaN", ".NAN", "-.nan", "nan", "+", "-", "+-1", "1-", "<<", "=", "2001-12-14",
            "2001-12-14t21:59:43.10-05:00", "１", "٣", "ü", "1ü", "yes ", " yes", "1 ", "0x1A ",
        ]
        for text in cases { check(text) }
    }

    /// ICU's `$` also matches before one line break ending the text; a second one, or one inside, does not.
    func testALineBreakEndingTheText() {
        for end in ["\n", "\r\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}", "\n\n", "\r\r\n", "\n\r", "\t", " "] {
            for text in ["", "~", "true", "0x1A", "1:30", "1.5", ".inf", "5", "x"] {
                check(text + end)
                check(end + text)
            }
        }
    }

    /// Every text of up to three characters over the patterns' alphabet, and random longer ones.
    func testShortAndRandomTexts() {
        let alphabet = Array("0159_:.eE+-xbofF~nNa\n")
        var texts = [""]
        var level = [""]
        for _ in 1 ... 3 {
            level = level.flatMap { prefix in alphabet.map { prefix + String($0) } }
            texts += level
        }
        var random = SeededRandom(seed: 15)
        for _ in 0 ..< 20000 {
            texts.append(String((0 ... Int.random(in: 1 ... 10, using: &random)).map { _ in alphabet.randomElement(using: &random)! }))
        }
        for text in texts where YAMLTyping.plainTag(text) != yamsTag(text) {
            XCTFail("\(text.debugDescription): \(YAMLTyping.plainTag(text).rawValue) against \(yamsTag(text).rawValue)")
        }
    }

    /// Values of substituted text (typed afresh, as `Node(text)` was) equal what Yams made of them.
    func testValuesOfSubstitutedText() throws {
        guard case let .mapping(map) = try XCTUnwrap(YAMLTyping.compose("x: ${V}")), case let .scalar(written) = map.first!.value else {
            return XCTFail("no scalar")
        }
        for text in ["~", "yes", "Off", "0o17", "017", "0x1A", "-0b11", "1:30", "190:20:30", "1_000", "1.5", "1:30.5", ".5e+1", "-.inf",
                     ".nan", "1e400", "99999999999999999999", "0x", "1:60", "text", "", "true\n", "5\r\n"]
        {
            let ours = YAMLTyping.value(of: text, written: written)
            let theirs = yamsValue(text)
            if case let .double(a) = ours, case let .double(b) = theirs, a.isNaN, b.isNaN { continue }
            XCTAssertEqual(ours, theirs, text.debugDescription)
        }
    }

    /// Explicit tags, quotes and as-written text, through the manifest parser.
    func testTagsAndQuotesInAConfig() throws {
        let yaml = """
        sources:
          gen:
            use: faker.generate
            config:
              a: yes
              b: 0x1A
              c: 1:30
              d: .inf
              e: ~
              f: "5"
              g: !!str 5
              h: !!float 5
              i: !!int "7"
              j: 'true'
              k: !!bool off
              l: !foo 5
              m: ${M}
        """
        let (manifest, errors) = ManifestParser.read(text: yaml, file: "p.yaml", environment: ["M": "0o17"])
        XCTAssertEqual(errors.map(\.message), [])
        let config = try XCTUnwrap(manifest?.components.first?.config)
        XCTAssertEqual(config["a"], .bool(true))
        XCTAssertEqual(config["b"], .int(26))
        XCTAssertEqual(config["c"], .int(90))
        XCTAssertEqual(config["d"], .double(.infinity))
        XCTAssertEqual(config["e"], .null)
        XCTAssertEqual(config["f"], .string("5"))
        XCTAssertEqual(config["g"], .string("5"))
        XCTAssertEqual(config["h"], .double(5))
        XCTAssertEqual(config["i"], .string("7"))
        XCTAssertEqual(config["j"], .string("true"))
        XCTAssertEqual(config["k"], .bool(false))
        XCTAssertEqual(config["l"], .string("5"))
        XCTAssertEqual(config["m"], .int(15))
    }

    /// A scalar that is both a key and, through an anchor, a value keeps its
    /// type as a value: Yams settles a key's tag when it hashes it, and the
    /// alias shares that tag.
    func testAnAnchoredKeyAliasedAsAValueKeepsItsType() throws {
        for config in ["{&c 5: x, count: *c}", "{count: &c 5, *c : x}", "{&c 5: x, list: [*c]}"] {
            let yaml = "sources:\n  gen:\n    use: faker.generate\n    config: \(config)\n"
            let (manifest, errors) = ManifestParser.read(text: yaml, file: "p.yaml", environment: [:])
            XCTAssertEqual(errors.map(\.message), [], config)
            let values = try XCTUnwrap(manifest?.components.first?.config)
            if config.contains("list") {
                XCTAssertEqual(values["list"], .array([.int(5)]), config)
            } else {
                XCTAssertEqual(values["count"], .int(5), config)
            }
        }
    }

    /// A document the basic pass refuses reports Yams' own first error: a
    /// duplicate only the types reveal comes before a later syntax error.
    func testTheFirstErrorIsYams() {
        let yaml = "fields:\n  !!int 1: x\n  1: y\ncount: [1\n"
        let yams = Result { try Yams.compose(yaml: yaml) }
        let ours = Result { try YAMLTyping.compose(yaml) }
        guard case let .failure(a) = yams, case let .failure(b) = ours else { return XCTFail("both refuse: \(yams), \(ours)") }
        XCTAssertEqual("\(a)", "\(b)")
    }

    /// Duplicate keys are what Yams' default resolver says they are: same text and same type.
    func testDuplicateKeysAsTheDefaultResolverFindsThem() {
        let documents = [
            "a: 1\na: 2\n", "1: a\n\"1\": b\n", "1: a\n!!int 1: b\n", "1: a\n!!str 1: b\n", "true: a\n'true': b\n",
            "yes: a\ntrue: b\n", "x:\n  c: 1\n  c: 2\n", "[a]: 1\n[a]: 2\n", "[a]: 1\n[b]: 2\n", "a: &x {k: 1, k: 2}\nb: *x\n",
            "~: a\nnull: b\n", "a: 1\nb: 2\n",
        ]
        for yaml in documents {
            let yams = Result { try Yams.compose(yaml: yaml) }
            let ours = Result { try YAMLTyping.compose(yaml) }
            switch (yams, ours) {
            case let (.failure(a), .failure(b)): XCTAssertEqual("\(a)", "\(b)", yaml)
            case (.success, .success): break
            default: XCTFail("\(yaml.debugDescription): Yams \(yams), ours \(ours)")
            }
        }
    }
}
