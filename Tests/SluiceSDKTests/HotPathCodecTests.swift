import Foundation
import SluiceSDK
import XCTest

/// The hand-written fast paths of the codec against what they replace:
/// `Double.description`, byte-at-a-time escaping, and the `JSONValue` path
/// for Extended JSON dates.
final class HotPathCodecTests: XCTestCase {
    func testDoubleTextIsDescription() {
        var random = SeededRandom(seed: 7)
        var samples: [Double] = [0, -0.0, 1e-4, 1e-5, 0.00012, 9.99e-5, 1e15, 999_999_999_999_999.9, 99_999_999_999_999.98,
                                 0.1, 0.2, 0.3, 0.30000000000000004, 16.04, -99999.992, 123.4567, 1, -1, 2.5, 1e16,
                                 .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity, .nan, 4.35, 20.3]
        for _ in 0 ..< 50000 {
            let scale = [1.0, 10, 100, 1000, 10000, 100_000][Int(random.next() % 6)]
            samples.append(Double(Int64(bitPattern: random.next()) >> (random.next() % 60)) / scale)
            samples.append(Double(bitPattern: random.next()))
            samples.append((random.unit() * 2000 - 500).rounded() / 100)
        }
        for d in samples {
            var out: [UInt8] = []
            DoubleText.append(d, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), d.description)
        }
    }

    /// Escaping eight bytes at a time must find every byte that needs it, wherever it sits.
    func testWriterEscapesEveryPosition() throws {
        let specials: [UInt8] = [0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x00, 0x01, 0x1F, 0x7F, 0x20, 0xC3, 0xA9]
        for length in 0 ..< 20 {
            for position in 0 ..< max(1, length) {
                for special in specials {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    if length > 0 { bytes[position] = special }
                    var w = JSONWriter()
                    bytes.withUnsafeBytes { w.writeString($0) }
                    let text = String(decoding: bytes, as: UTF8.self)
                    XCTAssertEqual(try JSONParser.parse(w.bytes), .string(text), "\(length) \(position) \(special)")
                    XCTAssertEqual(w.bytes, Self.escapedByteByByte(bytes), "\(length) \(position) \(special)")
                }
            }
        }
    }

    /// The writer's escaping as it was, one byte at a time.
    static func escapedByteByByte(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for c in s {
            switch c {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case ..<0x20: out += Array(String(format: "\\u%04x", c).utf8)
            default: out.append(c)
            }
        }
        return out + [0x22]
    }

    func testIntegersAndDatesAsBefore() throws {
        var w = BSONWriter()
        for (i, v) in [0, -1, 7, Int64.max, Int64.min, 2_147_483_647, -2_147_483_649].enumerated() { w.append("i\(i)", int64: v) }
        w.append("small", int32: Int32.min)
        w.append("t", datetime: 1_377_849_600_123)
        w.append("old", datetime: -62_135_596_800_001)
        let doc = w.finish()
        doc.withUnsafeBytes { raw in
            XCTAssertEqual(JSONWriter.string(BSONDocument(raw)),
                           #"{"i0":0,"i1":-1,"i2":7,"i3":9223372036854775807,"i4":-9223372036854775808,"i5":2147483647,"i6":-2147483649,"#
                               + #""small":-2147483648,"t":{"$date":"2013-08-30T08:00:00.123Z"},"old":{"$date":""#
                               + ISO8601.format(milliseconds: -62_135_596_800_001) + #""}}"#)
        }
    }

    /// The transcoder's `$date` shortcut gives the bytes the `JSONValue` path gives, and leaves everything else to it.
    func testDateShortcutMatchesTheValuePath() throws {
        let inputs = [
            #"{"d":{"$date":"2024-06-01T00:00:00.000Z"}}"#,
            #"{"d":{ "$date" : "2024-06-01T00:00:00+02:00" } }"#,
            #"{"d":{"$date":"not a date"}}"#,
            #"{"d":{"$date":1717200000000}}"#,
            #"{"d":{"$date":"2024-06-01T00:00:00Z","x":1}}"#,
            #"{"d":{"$date":"2024-06-01T00:00:00\u005a"}}"#,
            #"{"a":[{"$date":"2024-06-01T00:00:00.000Z"},{"$date":"1970-01-01T00:00:00Z"}]}"#,
            #"{"d":{"$dates":"2024-06-01T00:00:00Z"}}"#,
        ]
        for text in inputs {
            let expected = try BSONFromJSON.document(JSONParser.parse(text))
            var w = BSONWriter()
            try Array(text.utf8).withUnsafeBytes { try BSONFromJSON.transcode(json: $0, into: &w) }
            XCTAssertEqual(w.finish(), expected, text)
        }
    }

    /// `JSONText` (the pointer path for common types) writes what the general
    /// path writes: a `leading` member sends a document down the general path.
    func testDocumentTextMatchesTheGeneralPath() throws {
        var random = SeededRandom(seed: 11)
        let keys = ["a", "", "k\"q", "tab\there", "\u{1}ctl", "é", String(repeating: "long", count: 40)]
        let dates: [Int64] = [0, 1_377_849_600_123, -1, -62_135_596_800_001, 253_402_300_800_000, 1_717_200_000_999]
        let doubles: [Double] = [0, -0.0, 1.5, -99999.992, 16.04, 0.1 + 0.2, 1e300, 1e-7, .nan, .infinity, 123456789012345.0, 1e15]
        for round in 0 ..< 400 {
            var w = BSONWriter()
            for i in 0 ..< 1 + Int(random.next() % 8) {
                let key = keys[Int(random.next() % UInt64(keys.count))] + "\(i)"
                switch random.next() % 10 {
                case 0: w.append(key, double: doubles[Int(random.next() % UInt64(doubles.count))])
                case 1: w.append(key, double: Double(Int64(bitPattern: random.next()) >> 20) / 100)
                case 2: w.append(key, string: keys[Int(random.next() % UInt64(keys.count))] + "\"\\\n\r\u{7f}x")
                case 3: w.append(key, int32: Int32(truncatingIfNeeded: random.next()))
                case 4: w.append(key, int64: Int64(bitPattern: random.next()))
                case 5: w.append(key, datetime: dates[Int(random.next() % UInt64(dates.count))])
                case 6: w.append(key, bool: random.next() % 2 == 0)
                case 7: w.appendNull(key)
                case 8:
                    w.appendArray(key) { a in
                        a.append("", int32: 1)
                        a.append("", string: "x")
                        a.appendDocument("") { $0.append("d", datetime: 5) }
                    }
                default:
                    if round % 5 == 0 { w.append(key, objectId: Array(0 ..< 12)) } else { w.appendDocument(key) { $0.append("n", double: 2.25) } }
                }
            }
            let doc = w.finish()
            for plain in [false, true] {
                for dates in JSONWriter.Dates.allCases {
                    doc.withUnsafeBytes { raw in
                        var fast = JSONWriter()
                        fast.plainTypes = plain
                        fast.dates = dates
                        fast.write(BSONDocument(raw))
                        var general = JSONWriter()
                        general.plainTypes = plain
                        general.dates = dates
                        general.write(BSONDocument(raw), leading: [("lead", "x")])
                        let fastText = fast.string, generalText = general.string
                        let expected = BSONDocument(raw).isEmpty ? #"{"lead":"x"}"# : #"{"lead":"x","# + fastText.dropFirst()
                        XCTAssertEqual(generalText, expected, "round \(round)")
                    }
                }
            }
        }
    }

    /// Keys longer than the one-append path and array indexes take the piecewise path; both read back.
    func testWriterLongKeysAndArrays() throws {
        let long = String(repeating: "k", count: 63)
        var w = BSONWriter()
        w.append(long, int64: 5_000_000_000)
        w.append(long + "d", double: 2.5)
        w.append(String(repeating: "s", count: 62), string: "text")
        w.appendArray("a") { a in
            for i in 0 ..< 12 { a.append("ignored", int32: Int32(i)) }
            a.append("", datetime: 7)
        }
        let bytes = w.finish()
        try bytes.withUnsafeBytes { raw in
            XCTAssertTrue(BSONDocument.isWellFormed(raw))
            let doc = BSONDocument(raw)
            XCTAssertEqual(doc[long]?.int64, 5_000_000_000)
            XCTAssertEqual(doc[long + "d"]?.double, 2.5)
            XCTAssertEqual(doc[String(repeating: "s", count: 62)]?.string, "text")
            let array = try XCTUnwrap(doc["a"]?.document)
            XCTAssertEqual(array.elements.map(\.key), (0 ... 12).map(String.init))
            XCTAssertEqual(array["11"]?.int32, 11)
            XCTAssertEqual(array["12"]?.datetime, 7)
        }
    }

    /// Years outside 0 … 9999 are written in full, and parse errors at every step stay errors.
    func testDatesBeyondFourDigitYearsAndBadText() {
        XCTAssertEqual(ISO8601.format(milliseconds: 253_402_300_800_000), "10000-01-01T00:00:00.000Z")
        XCTAssertEqual(ISO8601.format(milliseconds: 253_402_300_799_999), "9999-12-31T23:59:59.999Z")
        XCTAssertEqual(ISO8601.format(milliseconds: -1), "1969-12-31T23:59:59.999Z")
        var raw: [UInt8] = []
        ISO8601.appendDateTime(milliseconds: 1_377_849_600_123, to: &raw)
        XCTAssertEqual(String(decoding: raw, as: UTF8.self), "2013-08-30T08:00:00")
        XCTAssertEqual(ISO8601.parse("2013-08-30T08:00:00.5+02:30"), 1_377_849_600_500 - 150 * 60_000)
        XCTAssertEqual(ISO8601.parse("2013-08-30 08:00"), 1_377_849_600_000)
        XCTAssertEqual(ISO8601.parse("2013-08-30"), 1_377_820_800_000)
        for bad in ["2013-08-3", "2013-08-30T", "2013-08-30T08", "2013-08-30T08:00:", "2013-08-30T08:00:00.", "2013-08-30T08:00Zx",
                    "2013-08-30T08:00+02", "2013-08-30X08:00", "2013-13-01", "2013-02-29", "2013-08-30T24:00", "+2013-08-30"] {
            XCTAssertNil(ISO8601.parse(bad), bad)
        }
    }
}
