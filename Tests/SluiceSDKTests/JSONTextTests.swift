import Foundation
import SluiceSDK
import XCTest

/// The pointer path that writes BSON as JSON text (`JSONText`, through
/// `JSONWriter.write(_:)` and `JSONLines`) against the general path it
/// must match byte for byte: strings copied eight bytes at a time, integers
/// and dates two digits at a time, doubles without libm's `round`.
final class JSONTextTests: XCTestCase {
    /// The document through the pointer path and through the general path
    /// (a `leading` member sends it there); both texts and their JSON lines.
    private func assertSameText(_ bson: [UInt8], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        bson.withUnsafeBytes { raw in
            XCTAssertTrue(BSONDocument.isWellFormed(raw), message, file: file, line: line)
            let doc = BSONDocument(raw)
            for plain in [false, true] {
                for dates in JSONWriter.Dates.allCases {
                    var fast = JSONWriter()
                    fast.plainTypes = plain
                    fast.dates = dates
                    fast.write(doc)
                    var general = JSONWriter()
                    general.plainTypes = plain
                    general.dates = dates
                    general.write(doc, leading: [("lead", "x")])
                    let expected = doc.isEmpty ? #"{"lead":"x"}"# : #"{"lead":"x","# + fast.string.dropFirst()
                    XCTAssertEqual(general.string, expected, message, file: file, line: line)
                    var lines = JSONLines(capacity: 16)
                    lines.plainTypes = plain
                    lines.dates = dates
                    lines.appendLine(doc)
                    lines.appendLine(doc)
                    let text = lines.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
                    XCTAssertEqual(text, fast.string + "\n" + fast.string + "\n", message, file: file, line: line)
                }
            }
        }
    }

    /// Each byte that needs escaping (and some that do not) at every position
    /// of keys and values 0 … 40 bytes long, so at every place in an eight-byte
    /// word, in the overlapping last word and in the bytes read one at a time
    /// near the end of the document.
    func testEscapesAtEveryPositionOfKeysAndValues() {
        let specials: [UInt8] = [0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x01, 0x1F, 0x7F, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0xC3, 0xA9, 0xFF]
        for length in Array(0 ... 17) + [23, 24, 25, 31, 32, 33, 40] {
            for position in 0 ..< max(1, length) {
                for special in specials {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    if length > 0 { bytes[position] = special }
                    let text = String(decoding: bytes, as: UTF8.self)
                    // Invalid UTF-8 in a value goes through as it is: a String would repair it.
                    let valueDoc = bytes.withUnsafeBytes { value in
                        var w = BSONWriter()
                        w.append("v", stringBytes: value)
                        return w.finish()
                    }
                    assertSameText(valueDoc, "value \(length) \(position) \(special)")
                    var w = BSONWriter()
                    w.append(text, int32: 1)
                    w.append("s", string: text)
                    w.append(text + "k", bool: true)
                    assertSameText(w.finish(), "key \(length) \(position) \(special)")
                }
            }
        }
    }

    /// A NUL inside a string value is escaped; the one that ends it is not written.
    func testNulInsideAValue() {
        for text in ["\u{0}", "a\u{0}", "\u{0}abcdefghijk", "abcdefg\u{0}hij", String(repeating: "\u{0}", count: 9)] {
            var w = BSONWriter()
            w.append("v", string: text)
            let bson = w.finish()
            assertSameText(bson, text.debugDescription)
            bson.withUnsafeBytes { raw in
                XCTAssertEqual(try? JSONParser.parse(Array(JSONWriter.string(BSONDocument(raw)).utf8)), .object(JSONObject([("v", .string(text))])))
            }
        }
    }

    /// Long clean runs, escapes in a row, and text with no clean run at all.
    func testLongRunsAndDenseEscapes() {
        for text in [String(repeating: "x", count: 5000), String(repeating: "\"", count: 100), String(repeating: "\\\n", count: 33),
                     String(repeating: "é", count: 300), String(repeating: "abcdefg\t", count: 64), String(repeating: "\u{1}", count: 17)] {
            var w = BSONWriter()
            w.append(text, string: text)
            w.append("n", int64: 1)
            assertSameText(w.finish(), String(text.prefix(20)))
        }
    }

    /// Integers at every number of digits, and either side of each power of ten.
    func testIntegersAtEveryWidth() throws {
        var values: [Int64] = [0, 1, -1, Int64.max, Int64.min, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0 ..< 18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        var w = BSONWriter()
        for (i, v) in values.enumerated() {
            w.append("l\(i)", int64: v)
            if let small = Int32(exactly: v) { w.append("i\(i)", int32: small) }
        }
        let bson = w.finish()
        assertSameText(bson, "integers")
        try bson.withUnsafeBytes { raw in
            guard case let .object(o) = try JSONParser.parse(Array(JSONWriter.string(BSONDocument(raw)).utf8)) else { return XCTFail("not an object") }
            for (i, v) in values.enumerated() {
                XCTAssertEqual(o["l\(i)"], .int(v), "\(v)")
            }
        }
    }

    /// Doubles at the edges of the fixed-point path (four decimals, 15
    /// digits, 10^-4) and random ones: each as `description` writes it, and
    /// each reads back as the same double.
    func testDoublesAtPrecisionLimitsReadBack() {
        var samples: [Double] = [0, -0.0, 1e-4, 1e-4.nextDown, 1e-4.nextUp, 0.00005, 0.00015, 0.99995, 9.9999, 2.5, 0.5, 1.5,
                                 1e15, 1e15.nextDown, 999_999_999_999_999, 99_999_999_999.9999, 999_999_999_999.99, 4_503_599_627_370_495.5,
                                 9_007_199_254_740_993, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 123.45675, 16.04, 21.84, -21.84, 1e-300, 5e-324,
                                 .greatestFiniteMagnitude, 1e21, 1e22, 1.7976931348623157e308, 0.30000000000000004]
        var random = SeededRandom(seed: 42)
        for _ in 0 ..< 20000 {
            samples.append(Double(bitPattern: random.next()))
            let scale = [1.0, 10, 100, 1000, 10000, 100_000][Int(random.next() % 6)]
            samples.append(Double(Int64(bitPattern: random.next()) >> (random.next() % 63)) / scale)
            samples.append((random.unit() - 0.5) * 1e6)
        }
        for d in samples where d.isFinite {
            var out: [UInt8] = []
            DoubleText.append(d, to: &out)
            let text = String(decoding: out, as: UTF8.self)
            XCTAssertEqual(text, d.description)
            XCTAssertEqual(Double(text)?.bitPattern, d.bitPattern, text)
        }
        for chunk in stride(from: 0, to: samples.count, by: 500) {
            var w = BSONWriter()
            for (i, d) in samples[chunk ..< min(chunk + 500, samples.count)].enumerated() { w.append("d\(i)", double: d) }
            w.append("nan", double: .nan)
            w.append("inf", double: -.infinity)
            assertSameText(w.finish(), "doubles from \(chunk)")
        }
    }

    /// Every millisecond digit, every second of a day, the days around each
    /// month's end, and years at the edges of four digits, in both date forms.
    func testDatesAgainstTheirFields() {
        var stamps: [Int64] = [0, -1, 1, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001,
                               951_782_400_000, 951_868_800_000, 4_107_542_400_000, -2_208_988_800_000]
        for ms in stride(from: Int64(1_717_200_000_000), to: 1_717_200_000_000 + 1000, by: 1) { stamps.append(ms) }
        for s in stride(from: Int64(0), to: 86400, by: 7) { stamps.append(1_717_200_000_000 + s * 1000) }
        for day in stride(from: Int64(-800_000), to: 3_000_000, by: 37) { stamps.append(day * 86_400_000 + 45_296_789) }
        for ms in stamps {
            let (days, msOfDay) = (ms >= 0 ? ms / 86_400_000 : (ms + 1) / 86_400_000 - 1, ((ms % 86_400_000) + 86_400_000) % 86_400_000)
            let (y, m, d) = Civil.date(fromDays: days)
            let yearText = y >= 0 && y <= 9999 ? String(format: "%04lld", y) : String(y)
            let expected = yearText + String(format: "-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", m, d, msOfDay / 3_600_000,
                                             msOfDay / 60000 % 60, msOfDay / 1000 % 60, msOfDay % 1000)
            XCTAssertEqual(ISO8601.format(milliseconds: ms), expected, "\(ms)")
            XCTAssertEqual(Civil.days(year: y, month: m, day: d), days)
        }
        for chunk in stride(from: 0, to: stamps.count, by: 400) {
            var w = BSONWriter()
            for (i, ms) in stamps[chunk ..< min(chunk + 400, stamps.count)].enumerated() { w.append("t\(i)", datetime: ms) }
            assertSameText(w.finish(), "dates from \(chunk)")
        }
    }

    /// ObjectIds, nesting, empty documents and arrays through the pointer
    /// path; types it leaves to `JSONWriter` (binary, regex, decimal128) through
    /// `JSONLines`'s general path, in the same buffer as the rest.
    func testOtherTypesAndTheGeneralPath() throws {
        var w = BSONWriter()
        w.append("_id", objectId: [0x00, 0x01, 0x0A, 0x0F, 0x10, 0x7F, 0x80, 0xAB, 0xCD, 0xEF, 0xF0, 0xFF])
        w.appendDocument("empty") { _ in }
        w.appendArray("none") { _ in }
        w.appendArray("nested") { a in
            a.appendArray("") { $0.append("", int32: 1) }
            a.appendDocument("") { $0.appendNull("x") }
            a.append("", bool: false)
        }
        let common = w.finish()
        assertSameText(common, "common types")
        common.withUnsafeBytes { raw in
            XCTAssertEqual(JSONWriter.string(BSONDocument(raw)),
                           #"{"_id":{"$oid":"00010a0f107f80abcdeff0ff"},"empty":{},"none":[],"nested":[[1],{"x":null},false]}"#)
        }
        var other = BSONWriter()
        other.append("b", binary: [1, 2, 3], subtype: 4)
        other.append("s", string: "after")
        let general = other.finish()
        assertSameText(general, "binary")
        var lines = JSONLines(capacity: 64)
        for round in 0 ..< 300 {
            (round % 2 == 0 ? common : general).withUnsafeBytes { lines.appendLine(BSONDocument($0)) }
        }
        let text = lines.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        let expected = common.withUnsafeBytes { c in general.withUnsafeBytes { g in
            (JSONWriter.string(BSONDocument(c)) + "\n" + JSONWriter.string(BSONDocument(g)) + "\n")
        } }
        XCTAssertEqual(text, String(repeating: expected, count: 150))
        lines.reset()
        XCTAssertEqual(lines.count, 0)
        general.withUnsafeBytes { lines.appendLine(BSONDocument($0)) }
        XCTAssertEqual(lines.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }, String(expected.split(separator: "\n")[1]) + "\n")
    }
}
