import Foundation
@testable import SluiceSDK
import XCTest

/// The transcoder's fast paths (strings scanned eight bytes at a time and
/// unescaped straight into the output, numbers, UTC dates, the output on the
/// stack) against the general `JSONValue` path they must agree with.
final class TranscoderFastPathTests: XCTestCase {
    /// A scan that read past the end of the text crashes the test (`withGuardedBytes`).
    private func transcode(_ text: [UInt8], ascii: Bool = false) throws -> [UInt8] {
        try transcodeGuarded(text, ascii: ascii)
    }

    private func general(_ text: [UInt8]) throws -> [UInt8] {
        try BSONFromJSON.document(JSONParser.parse(text))
    }

    /// Both paths give the same document, or fail with the same description;
    /// so does the transcoder in ASCII mode, unless it stops at a byte at or
    /// above 0x80 (its caller then checks the UTF-8 and reads the text again).
    private func assertSame(_ text: [UInt8], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        let expected = Result { try general(text) }
        let got = Result { try transcode(text) }
        switch (expected, got) {
        case let (.success(e), .success(g)): XCTAssertEqual(g, e, message, file: file, line: line)
        case let (.failure(e), .failure(g)): XCTAssertEqual("\(g)", "\(e)", message, file: file, line: line)
        default: XCTFail("\(message): general \(expected), transcoder \(got)", file: file, line: line)
        }
        let ascii = Result { try transcode(text, ascii: true) }
        switch (got, ascii) {
        case (_, .failure(is NonASCIIText)): XCTAssertTrue(text.contains { $0 >= 0x80 }, "ASCII mode stopped at no high byte: " + message, file: file, line: line)
        case let (.success(g), .success(a)): XCTAssertEqual(a, g, "ASCII mode: " + message, file: file, line: line)
        case let (.failure(g), .failure(a)): XCTAssertEqual("\(a)", "\(g)", "ASCII mode: " + message, file: file, line: line)
        default: XCTFail("\(message): transcoder \(got), in ASCII mode \(ascii)", file: file, line: line)
        }
    }

    /// A special byte or escape at every position of strings of every length
    /// up to three words, as a key and as a value: escapes crossing a word,
    /// a quote at the last byte of the input, non-ASCII, control bytes.
    func testStringsWithASpecialAtEveryPosition() {
        let specials: [[UInt8]] = [
            Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8), Array(#"\/"#.utf8), Array(#"\u00e9"#.utf8),
            Array(#"\ud83d\ude00"#.utf8), Array(#"\u0000"#.utf8), [0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80], [0x7F],
            [0x01], [0x1F], [0x00], [0x0A], Array(#"\x"#.utf8), Array(#"\u12"#.utf8), Array(#"\ud83d"#.utf8),
            Array(#"\udc00"#.utf8), Array(#"\"#.utf8),
        ]
        for length in 0 ..< 26 {
            for position in 0 ... length {
                for special in specials {
                    var body = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    body.insert(contentsOf: special, at: position)
                    let quoted = [0x22] + body + [0x22]
                    let name = "\(length) \(position) \(special)"
                    assertSame(Array(#"{"k":"#.utf8) + quoted + [0x7D], "value " + name)
                    if special == Array(#"\u0000"#.utf8) {
                        // The general path names the key; both refuse it.
                        XCTAssertThrowsError(try transcode([0x7B] + quoted + Array(#":1}"#.utf8))) { XCTAssertTrue("\($0)".contains("NUL"), "\($0)") }
                    } else {
                        assertSame([0x7B] + quoted + Array(#":1}"#.utf8), "key " + name)
                    }
                    // Unterminated: the input ends inside the string.
                    assertSame(Array(#"{"k":"#.utf8) + [0x22] + body, "open " + name)
                }
            }
        }
    }

    /// The string scan reads 16 bytes a step (SSE2 on x86-64): a stop byte,
    /// a byte just outside a stop's range, or a UTF-8 sequence at every
    /// offset of three blocks, with 0 to 17 bytes of input after the string
    /// (which ends flush against an unreadable page), so the stop falls in a
    /// block, in the word after the blocks, or in the bytes after that word.
    func testBytesAroundTheStopsAtEveryOffsetOfA16ByteBlock() throws {
        let inserts: [[UInt8]] = [[0x00], [0x1F], [0x20], [0x21], [0x22], [0x5B], [0x5C, 0x5C], [0x5C, 0x61], [0x5D], [0x7F],
                                  [0xC3, 0xA9], [0xDF, 0xBF], [0xEF, 0xBF, 0xBF], [0xF0, 0x9F, 0x98, 0x80]]
        for position in 0 ..< 48 {
            for insert in inserts {
                var body = [UInt8](repeating: UInt8(ascii: "a"), count: 48)
                body.replaceSubrange(position ..< position + 1, with: insert)
                for extra in 0 ... 17 {
                    // `"}` alone, or another member whose key makes the input `extra` bytes longer.
                    let tail = extra < 4 ? Array(#""}"#.utf8) + [UInt8](repeating: 0x20, count: extra)
                                         : Array(#"",""#.utf8) + [UInt8](repeating: UInt8(ascii: "k"), count: extra - 4) + Array(#"":1}"#.utf8)
                    let text = Array(#"{"s":""#.utf8) + body + tail
                    let name = "\(position) \(insert) \(extra)"
                    assertSame(text, name)
                    if insert[0] >= 0x80 {
                        XCTAssertThrowsError(try transcode(text, ascii: true), name) { XCTAssertTrue($0 is NonASCIIText, "\(name): \($0)") }
                    } else if insert[0] >= 0x20, insert[0] != 0x22, insert[0] != 0x5C {
                        // Not a stop: the string reads whole, as its bytes.
                        XCTAssertEqual(try transcode(text, ascii: true).withUnsafeBytes { BSONDocument($0)["s"]?.stringBytes.map(Array.init) }, body, name)
                    }
                }
            }
        }
    }

    /// Bytes that are not UTF-8 at every offset of three 16-byte blocks: in
    /// ASCII mode the read stops (its caller checks the UTF-8); otherwise,
    /// unescaped, they are kept as they are (the caller checked before).
    func testInvalidUTF8AtEveryOffsetOfA16ByteBlock() throws {
        for bad: [UInt8] in [[0x80], [0xBF], [0xC3], [0xFF], [0xED, 0xA0, 0x80], [0xC3, 0x28]] {
            for position in 0 ..< 48 {
                var body = [UInt8](repeating: UInt8(ascii: "b"), count: 48)
                body.replaceSubrange(position ..< position + 1, with: bad)
                let text = Array(#"{"s":""#.utf8) + body + Array(#""}"#.utf8)
                XCTAssertThrowsError(try transcode(text, ascii: true), "\(bad) \(position)") { XCTAssertTrue($0 is NonASCIIText, "\($0)") }
                XCTAssertEqual(try transcode(text).withUnsafeBytes { BSONDocument($0)["s"]?.stringBytes.map(Array.init) }, body, "\(bad) \(position)")
            }
        }
    }

    /// The closing quote at every offset in a word, the input ending right after the record.
    func testQuoteAtEveryOffsetAndTheLastByte() throws {
        for length in 0 ..< 40 {
            let s = String(repeating: "x", count: length)
            assertSame(Array(#"{"k":"\#(s)"}"#.utf8), "\(length)")
            assertSame(Array(#"{"\#(s)":"\#(s)","b":["\#(s)","\#(s)"]}"#.utf8), "\(length) array")
            let doc = try transcode(Array(#"{"k":"\#(s)"}"#.utf8))
            XCTAssertEqual(doc.withUnsafeBytes { BSONDocument($0)["k"]?.string }, s)
        }
    }

    /// With `ascii`, any string byte at or above 0x80 stops the reading, wherever it is; escapes that decode to non-ASCII do not.
    func testASCIIModeStopsAtTheFirstHighByte() throws {
        for length in 0 ..< 20 {
            for position in 0 ... length {
                var body = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                body.insert(contentsOf: [0xC3, 0xA9], at: position)
                let text = Array(#"{"k":""#.utf8) + body + Array(#""}"#.utf8)
                XCTAssertThrowsError(try transcode(text, ascii: true), "\(length) \(position)") { XCTAssertTrue($0 is NonASCIIText, "\($0)") }
                XCTAssertEqual(try transcode(text), try general(text))
                let key = Array(#"{""#.utf8) + body + Array(#"":1}"#.utf8)
                XCTAssertThrowsError(try transcode(key, ascii: true)) { XCTAssertTrue($0 is NonASCIIText, "\($0)") }
            }
        }
        let escaped = Array(#"{"k":"caf\u00e9 \ud83d\ude00","d":{"$date":"2024-02-29T12:00:00.000Z"}}"#.utf8)
        XCTAssertEqual(try transcode(escaped, ascii: true), try general(escaped))
        // Inside an Extended JSON wrapper read through the general path.
        XCTAssertThrowsError(try transcode(Array(#"{"d":{"$date":"é"}}"#.utf8), ascii: true)) { XCTAssertTrue($0 is NonASCIIText, "\($0)") }
    }

    /// An escaped string holding raw bytes that are not UTF-8 comes out repaired, as the general path makes it.
    func testEscapedStringWithBadUTF8IsRepairedAsBefore() throws {
        let text = Array(#"{"k":"a\n"#.utf8) + [0xFF, 0xC3] + Array(#"b","\u00e9x"#.utf8) + [0xC3] + Array(#"":2}"#.utf8)
        XCTAssertEqual(try transcode(text), try general(text))
        // Without an escape the bytes are kept as they are (the caller checked or repaired UTF-8 before).
        let plain = Array(#"{"k":"a"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        XCTAssertEqual(try transcode(plain).withUnsafeBytes { BSONDocument($0)["k"]?.stringBytes.map(Array.init) }, [0x61, 0xFF])
    }

    /// Numbers at the limits of the exact paths: int32/int64 edges, 2^53, 19 digits, powers of ten up to 22 and past it.
    func testNumbersAtThePrecisionLimits() throws {
        let texts = [
            "0", "-0", "7", "-7", "2147483647", "2147483648", "-2147483648", "-2147483649",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
            "99999999999999999999999", "0.1", "0.5", "-0.0", "1.5e3", "1E22", "1e23", "1e-22", "1e-23",
            "9007199254740992.5", "9007199254740993", "9007199254740991.1", "900719925474099.3",
            "123456789012345678.9", "1234567890123456789.5", "0.000000000000000000000123", "23.47", "-12.300",
            "1.7976931348623157e308", "2.2250738585072014e-308", "4.9e-324", "1e400", "-1e400", "0e5", "0.0e-5",
            "00", "01", "-", "1.", "1e", "1e+", "-x", "1.e3", "0x10", "1.5E-7", "12345678901234567890e-20",
            // 15 to 20 digits around the exact-mantissa limits, leading zeros counted as digits.
            "123456789012345.6", "1234567890123456.7", "12345678901234567.8", "123456789012345678.9", "0.123456789012345678",
            "0.1234567890123456789", "0.00000000000000000001", "-0.000000000000000000011", "9007199254740991.0", "9007199254740993.0",
            "1.000000000000000001", "9.999999999999999999", "99999999999999999.99", "16.0", "0.52", "-9.5", "758000", "1e-400",
            "-0e0", "0.0e400", "1e22", "12e21", "1.5e22", "1.5e-22", "0.5e-22", "1E+2", "1e+022", "-1.0E-0",
        ]
        for t in texts {
            let text = Array(#"{"n":\#(t)}"#.utf8)
            guard let doc = try? transcode(text) else {
                // Rejected: by the general path too, with the same words.
                assertSame(text, t)
                continue
            }
            // The parser reads the same value.
            switch try JSONParser.parse(Array(t.utf8)) {
            case let .int(i): XCTAssertEqual(i, Int64(t), t)
            case let .double(d): XCTAssertEqual(d.bitPattern, Double(t)?.bitPattern, t)
            default: XCTFail(t)
            }
            try doc.withUnsafeBytes { d in
                let n = try XCTUnwrap(BSONDocument(d)["n"], t)
                switch n.type {
                case .int32, .int64: XCTAssertEqual(n.integer, Int64(t), t)
                case .double: XCTAssertEqual(n.double?.bitPattern, Double(t)?.bitPattern, t)
                case .decimal128: XCTAssertGreaterThanOrEqual(t.count, 19, t)
                default: XCTFail("\(t): \(n.type)")
                }
                if n.type != .decimal128 { XCTAssertEqual(Array(d), try general(text), t) }
            }
        }
    }
    /// Structure errors: same reasons at the same offsets as before the rewrite.
    func testStructureErrorsKeepTheirReasons() {
        let cases: [(String, String)] = [
            ("[1]", "invalid JSON at byte 0: a record must be a JSON object"),
            (#"{"a":}"#, "invalid JSON at byte 5: expected a digit"),
            (#"{"a":+1}"#, "invalid JSON at byte 5: expected a digit"),
            (#"{"a":.5}"#, "invalid JSON at byte 5: expected a digit"),
            (#"{"a":1,}"#, "invalid JSON at byte 7: expected a string key"),
            (#"{"a" 1}"#, "invalid JSON at byte 5: expected ':' after a key"),
            (#"{"a":1} x"#, "invalid JSON at byte 8: trailing characters"),
            (#"{"a":tru}"#, "invalid JSON at byte 5: expected true"),
            (#"{"a":[1 2]}"#, "invalid JSON at byte 8: expected ',' or ']' in array"),
            (#"{"a":1 "b":2}"#, "invalid JSON at byte 7: expected ',' or '}' in object"),
            (#"{"a":[1,2"#, "invalid JSON at byte 9: unterminated array"),
            (#"{"a":1"#, "invalid JSON at byte 6: unterminated object"),
            (#"{"a":"#, "invalid JSON at byte 5: unexpected end of input"),
            (#"{"a\u0000b":1}"#, "invalid JSON at byte 11: " + BSONFromJSON.nulKeyReason),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try transcode(Array(text.utf8)), text) { XCTAssertEqual("\($0)", reason, text) }
        }
        let deep = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        XCTAssertThrowsError(try transcode(Array(deep.utf8))) { XCTAssertTrue("\($0)".contains("nesting deeper than 512"), "\($0)") }
        let deepArrays = #"{"a":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        XCTAssertThrowsError(try transcode(Array(deepArrays.utf8))) { XCTAssertTrue("\($0)".contains("nesting deeper than 512"), "\($0)") }
    }

    /// White space (or a stray byte) at every boundary of a record: the member
    /// loop tests the key's quote and the comma before skipping space.
    func testSpaceAndStrayBytesAtEveryBoundary() {
        let record = #"{"a":1,"bb":"x","c":2.5,"d":[1,2],"e":{"f":3},"g":true}"#
        let bytes = Array(record.utf8)
        // From after the '{': before it, a record that is not an object is refused at byte 0, by design.
        for i in 1 ... bytes.count {
            for insert in [" ", "\t", "\n", "  \r\n ", ",", "x", "\""] {
                let text = Array(bytes[..<i]) + Array(insert.utf8) + Array(bytes[i...])
                let name = "\(i) \(insert.debugDescription)"
                // Same document, or an error at the same byte (the transcoder words some reasons its own way).
                switch (Result { try general(text) }, Result { try transcode(text) }) {
                case let (.success(e), .success(g)): XCTAssertEqual(g, e, name)
                case let (.failure(e as JSONParseError), .failure(g as JSONParseError)): XCTAssertEqual(g.offset, e.offset, name)
                case let (e, g): XCTFail("\(name): general \(e), transcoder \(g)")
                }
            }
        }
    }

    /// Records whose BSON outgrows the stack buffer move to the heap, whole.
    func testLongRecordsOutgrowTheStackBuffer() throws {
        let long = String(repeating: "0123456789", count: 500)
        let many = (0 ..< 300).map { #""f\#($0)":[\#($0),"\#($0)",{"x":\#($0).5}]"# }.joined(separator: ",")
        for text in [#"{"s":"\#(long)","t":"\#(long)\n"}"#, "{\(many)}", #"{"a":[\#((0 ..< 2000).map(String.init).joined(separator: ","))]}"#] {
            assertSame(Array(text.utf8), String(text.prefix(40)))
        }
    }

    /// The fixed-offset UTC date reader agrees with the general one, or leaves the text to it.
    func testUTCDateFastPathAgreesWithTheGeneralReader() {
        var texts = ["2024-02-29T12:34:56.789Z", "2023-02-29T00:00:00Z", "2024-02-29T23:59:60Z", "1970-01-01T00:00:00.000Z",
                     "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z",
                     "2024-01-00T00:00:00Z", "2024-01-32T00:00:00Z", "2024-04-31T00:00:00Z", "2024-01-01T24:00:00Z",
                     "2024-01-01T00:60:00Z", "2024-01-01T00:00:61Z", "2024-01-01t00:00:00z", "2024-01-01 00:00:00Z",
                     "2024-01-01T00:00:00,123Z", "2024-01-01T00:00:00.12Z", "2024-01-01T00:00:00+01:00", "2024-01-0aT00:00:00Z",
                     "2024/01/01T00:00:00Z", "2024-01-01T00:00:00.1a3Z", "2024-01-01T0:00:00.123Z", "+024-01-01T00:00:00Z"]
        var random = SeededRandom(seed: 3)
        for _ in 0 ..< 2000 {
            let ms = Int64(bitPattern: random.next()) % 253_402_300_800_000
            let text = ISO8601.format(milliseconds: ms < 0 ? -ms : ms)
            // What the writer writes takes the fast reader.
            XCTAssertEqual(Array(text.utf8).withUnsafeBytes { ISO8601.parseUTC($0) }, ms < 0 ? -ms : ms, text)
            texts.append(text)
        }
        for t in texts {
            let bytes = Array(t.utf8)
            let (fast, general) = bytes.withUnsafeBytes { (ISO8601.parseUTC($0), ISO8601.parseGeneral($0, defaultOffsetMinutes: 0)) }
            if let fast { XCTAssertEqual(fast, general, t) }
            XCTAssertEqual(ISO8601.parse(t), general, t)
        }
        XCTAssertEqual(ISO8601.parse("2024-02-29T12:34:56.789Z"), 1_709_210_096_789)
        XCTAssertNil(ISO8601.parse("2023-02-29T00:00:00Z"))
    }

    /// The time of day read a word at a time: every byte of a UTC time
    /// replaced by every other byte is read as the general reader reads it,
    /// or left to it.
    func testTimeOfDayWithEveryByteChanged() {
        for valid in ["2024-06-01T23:59:60.999Z", "2024-02-29T00:00:00.000Z", "2024-06-01T09:08:07Z", "2024-06-01T19:59:59Z"] {
            XCTAssertNotNil(Array(valid.utf8).withUnsafeBytes { ISO8601.parseUTC($0) }, valid)
            for position in 10 ..< valid.utf8.count {
                for byte in 0 ... 255 {
                    var bytes = Array(valid.utf8)
                    bytes[position] = UInt8(byte)
                    let (fast, general) = bytes.withUnsafeBytes { (ISO8601.parseUTC($0), ISO8601.parseGeneral($0, defaultOffsetMinutes: 0)) }
                    if let fast { XCTAssertEqual(fast, general, "\(valid) with byte \(byte) at \(position)") }
                    // A digit for a digit keeps the fixed form: the fast reader takes it when the time is valid.
                    if byte >= 0x30, byte <= 0x39, Array(valid.utf8)[position] >= 0x30, Array(valid.utf8)[position] <= 0x39, general != nil {
                        XCTAssertNotNil(fast, "\(valid) with byte \(byte) at \(position)")
                    }
                }
            }
        }
    }

    /// Digit runs of every length, integer and fraction: the value Swift's
    /// own conversion gives, with the number ending the input or followed by other bytes.
    func testDigitRunsOfEveryLength() throws {
        var random = SeededRandom(seed: 15)
        func digits(_ n: Int) -> String { String((0 ..< n).map { _ in Character(Unicode.Scalar(UInt8(48 + random.next() % 10))) }) }
        var texts: [String] = []
        for length in 1 ... 26 {
            for _ in 0 ..< 8 {
                let integer = length == 1 ? digits(1) : String(1 + random.next() % 9) + digits(length - 1)
                texts.append(integer)
                texts.append("-" + integer)
                texts.append(integer + "." + digits(1 + Int(random.next() % 20)))
                texts.append("0." + digits(length))
                texts.append(integer + "e" + String(random.next() % 30))
            }
        }
        for t in texts {
            for tail in ["", "}", ",\"x\":1}", "        }"] {
                let text = Array(#"{"n":\#(t)\#(tail)"#.utf8)
                if tail.isEmpty {
                    // The input ends in the digits: the parser alone reads them up to the last byte.
                    switch try JSONParser.parse(Array(t.utf8)) {
                    case let .int(i): XCTAssertEqual(i, Int64(t), t)
                    case let .double(d): XCTAssertEqual(d.bitPattern, Double(t)?.bitPattern, t)
                    default: XCTFail(t)
                    }
                    continue
                }
                try transcode(text).withUnsafeBytes { d in
                    let n = try XCTUnwrap(BSONDocument(d)["n"], t)
                    switch n.type {
                    case .int32, .int64: XCTAssertEqual(n.integer, Int64(t), t)
                    case .double: XCTAssertEqual(n.double?.bitPattern, Double(t)?.bitPattern, t)
                    case .decimal128: XCTAssertNil(Int64(t), t)
                    default: XCTFail("\(t): \(n.type)")
                    }
                }
            }
        }
    }

    /// A member's `$date` as the writer writes it takes the compact reader;
    /// spaced, short, offset, invalid, cut or extended forms read as the general path reads them.
    func testCompactDatesAndTheirFallbacks() {
        let times = ["2024-06-01T12:34:56.789Z", "2024-06-01T12:34:56Z", "2024-06-01T12:34:56+0100", "2024-06-01T24:00:00.000Z",
                     "2024-02-30T00:00:00.000Z", "2024-06-01T12:34:56.7890", "2024-06-01T12:34:5\\u0036.789Z", "2024-06-01 12:34:56.789Z"]
        var texts: [String] = []
        for t in times {
            texts += [#"{"d":{"$date":"\#(t)"}}"#, #"{"d":{ "$date":"\#(t)"}}"#, #"{"d":{"$date" : "\#(t)" }}"#,
                      #"{"d":{"$date":"\#(t)","x":1}}"#, #"{"d":{"$dates":"\#(t)"}}"#, #"{"d":{"$date":"\#(t)"},"e":2}"#,
                      #"{"d":{"$date":"\#(t)"}"#, #"{"d":[{"$date":"\#(t)"}]}"#, #"{"d":{"$date":"\#(t)"} }"#]
        }
        let compact = #"{"d":{"$date":"2024-06-01T12:34:56.789Z"}}"#
        for text in texts { assertSame(Array(text.utf8), text) }
        // Cut anywhere, the compact form never reads past the input and the line fails.
        for cut in 1 ..< compact.utf8.count {
            XCTAssertThrowsError(try transcode(Array(compact.utf8.prefix(cut))), String(compact.prefix(cut)))
        }
        XCTAssertEqual(try transcode(Array(compact.utf8)).withUnsafeBytes { BSONDocument($0)["d"]?.type }, .datetime)
        // At the nesting limit a scalar member fails as it did through `value`.
        let deep = String(repeating: #"{"a":"#, count: 511) + #"{"d":{"$date":"2024-06-01T12:34:56.789Z"},"s":"x","n":1}"# + String(repeating: "}", count: 511)
        assertSame(Array(deep.utf8), "deep")
    }
}
