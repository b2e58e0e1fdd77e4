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
}
