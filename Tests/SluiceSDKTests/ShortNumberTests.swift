@testable import SluiceSDK
import XCTest

/// `JSONParser.shortNumber` (numbers read from one word, `DigitWord`)
/// against `Double(_:)`/`Int64(_:)` and the general path: every digit
/// count around the word's limits, every byte after the digits, and the
/// number at every distance from the end of the input.
final class ShortNumberTests: XCTestCase {
    /// The value the parser reads from `text`, which ends where an unreadable page starts.
    private func parse(_ text: [UInt8]) throws -> JSONValue {
        try withGuardedBytes(text) { try JSONParser.parse($0) }
    }

    private let tails = ["", "}", " }", "  }", "   }", "    }", "     }", "      }", "       }", ",\"x\":1}", "        }", "e}", "E5}",
                         ".}", ".5}", "x}", "/}", ":}", "\u{7F}}", "é}", "0}"]

    private func assertValue(_ value: JSONValue, _ t: String, file: StaticString = #filePath, line: UInt = #line) {
        switch value {
        case let .int(i): XCTAssertEqual(i, Int64(t), t, file: file, line: line)
        case let .double(d): XCTAssertEqual(d.bitPattern, Double(t)?.bitPattern, t, file: file, line: line)
        default: XCTFail("\(t): \(value)", file: file, line: line)
        }
    }

    /// The numbers around the one-word form: 1 to 9 integer digits, 0 to 8
    /// after a '.', signs, leading zeros, exponents, -0.0.
    private func numbers() -> [String] {
        var random = SeededRandom(seed: 21)
        func digits(_ n: Int) -> String { String((0 ..< n).map { _ in Character(Unicode.Scalar(UInt8(48 + random.next() % 10))) }) }
        var texts = ["0", "-0", "0.0", "-0.0", "0.5", "-0.5", "00", "01", "-01", "00.5", "0.", "-", "-.5", "1.", "1.e2",
                     "9999999", "99999999", "999999.9", "99999.99", "0.000001", "0.0000001", "1e5", "1.5e-3", "1E2", "1.0E+2",
                     "123456789012345", "1234567890123456", "12345678901234567", "1.23456789012345", "1.234567890123456",
                     "0.1234567890123456", "4.9e-324", "2.2250738585072014e-308", "1e-400", "1e400"]
        for integer in 1 ... 9 {
            for fraction in -1 ... 8 {
                for _ in 0 ..< 3 {
                    var t = String(1 + random.next() % 9) + digits(integer - 1)
                    if fraction >= 0 { t += "." + digits(fraction) }
                    texts += [t, "-" + t, "0." + digits(max(fraction, 1))]
                }
            }
        }
        return texts
    }

    /// Followed by every kind of byte, and at every distance from the input's end.
    func testNumbersReadAsTheGeneralPathReadsThem() throws {
        for t in numbers() {
            for tail in tails {
                let text = Array(#"{"n":\#(t)\#(tail)"#.utf8)
                let general = Result { try BSONFromJSON.document(JSONParser.parse(text)) }
                let got = Result { try transcodeGuarded(text, ascii: true) }
                switch (general, got) {
                case let (.success(e), .success(g)): XCTAssertEqual(g, e, "\(t)\(tail)")
                case let (.failure(e), .failure(g)):
                    // ASCII mode may stop at 'é' first; otherwise the same words.
                    if !(g is NonASCIIText) { XCTAssertEqual("\(g)", "\(e)", "\(t)\(tail)") }
                default: XCTFail("\(t)\(tail): general \(general), transcoder \(got)")
                }
            }
            // The parser alone, the number ending the input: 0 to 8 bytes of room after it, spaces.
            let valid = t.wholeMatch(of: #/-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/#) != nil
            for room in 0 ... 8 {
                let text = Array(t.utf8) + [UInt8](repeating: 0x20, count: room)
                if valid { XCTAssertNoThrow(assertValue(try parse(text), t), t) } else { XCTAssertThrowsError(try parse(text), t) }
            }
        }
    }

    /// Digits then another byte at every position of the word: the run ends there, with the digits' value.
    func testDigitWordRunsAndValues() {
        var random = SeededRandom(seed: 22)
        let stops: [UInt8] = [0x00, 0x20, 0x2D, 0x2E, 0x2F, 0x3A, 0x45, 0x65, 0x7F, 0x80, 0xAF, 0xB0, 0xB9, 0xBA, 0xFF]
        for count in 0 ... 8 {
            for stop in stops {
                for _ in 0 ..< 4 {
                    var bytes = (0 ..< 8).map { _ in UInt8(48 + random.next() % 10) }
                    if count < 8 {
                        bytes[count] = stop
                        for i in count + 1 ..< 8 { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
                    }
                    let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    let w = DigitWord(word)
                    XCTAssertEqual(w.run(from: 0), count, "\(bytes)")
                    if count > 0 {
                        XCTAssertEqual(w.value(count), UInt64(String(decoding: bytes[0 ..< count], as: UTF8.self)), "\(bytes)")
                    }
                    for i in 0 ..< 8 { XCTAssertEqual(w.byte(i), bytes[i]) }
                }
            }
        }
        // A '.' between two runs: the run after it, and both as one integer.
        for integer in 1 ... 6 {
            for fraction in 1 ... 7 - integer {
                var bytes = (0 ..< 8).map { _ in UInt8(48 + random.next() % 10) }
                bytes[integer] = UInt8(ascii: ".")
                if integer + 1 + fraction < 8 { bytes[integer + 1 + fraction] = UInt8(ascii: ",") }
                let w = DigitWord(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
                if integer + 1 + fraction < 8 {
                    XCTAssertEqual(w.run(from: integer + 1), fraction, "\(bytes)")
                } else {
                    // Digits to the word's end: the run may go on past it.
                    XCTAssertGreaterThanOrEqual(w.run(from: integer + 1), fraction, "\(bytes)")
                }
                let text = String(decoding: bytes[0 ..< integer] + bytes[integer + 1 ..< integer + 1 + fraction], as: UTF8.self)
                XCTAssertEqual(w.value(integer: integer, fraction: fraction), UInt64(text), "\(bytes)")
            }
        }
    }

    /// The one-word path against the general one (`scanGeneralNumber`, which
    /// does not try it) on the same bytes: where it answers, the same type,
    /// the same bits and the same end.
    func testTheOneWordPathAgreesWithTheGeneralPath() {
        var answered = 0
        for t in numbers() {
            for tail in tails {
                withGuardedBytes(Array((t + tail).utf8)) { bytes in
                    guard let (short, end) = JSONParser.shortNumber(bytes.baseAddress!, at: 0, bytes.count) else { return }
                    answered += 1
                    var parser = JSONParser(b: bytes)
                    let general = try? parser.scanGeneralNumber()
                    switch (short, general) {
                    case let (.int(s), .int(g)?): XCTAssertEqual(s, g, t + tail)
                    case let (.double(s), .double(g)?): XCTAssertEqual(s.bitPattern, g.bitPattern, t + tail)
                    default: XCTFail("\(t + tail): one word \(short), general \(String(describing: general))")
                    }
                    XCTAssertEqual(end, parser.p, t + tail)
                }
            }
        }
        XCTAssertGreaterThan(answered, 2000, "the one-word path answered too few to show anything")
    }
}
