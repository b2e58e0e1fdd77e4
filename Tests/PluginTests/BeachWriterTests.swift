@testable import FakerPlugin
import SluiceSDK
import XCTest

/// `BeachWriter` and its number writers against the beach reading written
/// the plain way: `BSONWriter`, `description`, `ISO8601`, `Fake.round`.
final class BeachWriterTests: XCTestCase {
    /// The reading as the profile wrote it through `BSONWriter`, drawing in the same order.
    private func reference(_ r: inout SeededRandom, index: Int64, time: Int64, malformed: Bool) -> [UInt8] {
        let beach = Vocabulary.beaches[Int(index % Int64(Vocabulary.beaches.count))]
        let temperature = Fake.round(beach.temperature + 3 * r.gaussian(), 2)
        var turbidity = Fake.round(max(0.05, 1.5 + 1.2 * r.gaussian()), 2)
        if r.unit() < 0.02 { turbidity = Fake.round(100 + r.unit() * 900, 2) }
        let battery = Fake.round(9 + r.unit() * 3.5, 2)
        let id = 758_000 + index
        let defect = malformed ? r.int(0 ... 3) : -1
        if defect == 3 { turbidity = -99999.992 }
        var raw: [UInt8] = []
        ISO8601.appendDateTime(milliseconds: time, to: &raw)
        raw += Array(".\(zeroPadded(6, r.int(0 ... 999_999))) ".utf8)
        raw += Array((defect == 0 ? "n/a" : temperature.description).utf8)
        raw += Array(" \(turbidity) \(battery) \(beach.code) \(id)".utf8)
        if defect == 1 { raw.removeLast(raw.count / 2) }
        var w = BSONWriter()
        if defect != 2 { w.append("Beach", string: beach.name) }
        w.append("MeasurementID", int64: id)
        w.append("BatteryLife", double: battery)
        raw.withUnsafeBytes { w.append("RawData", stringBytes: $0) }
        if defect == 0 { w.append("WaterTemperature", string: "n/a") } else { w.append("WaterTemperature", double: temperature) }
        w.append("Turbidity", double: turbidity)
        w.append("TimeStamp", datetime: time)
        return w.finish()
    }

    /// Writes each (index, time, malformed) with both and compares the bytes, the random state after, and the key's place.
    private func compare(_ cases: [(index: Int64, time: Int64, malformed: Bool)], seed: UInt64 = 7,
                         file: StaticString = #filePath, line: UInt = #line) {
        var fast = BeachWriter()
        var buffer = [UInt8](repeating: 0xEE, count: fast.capacity)
        var r1 = SeededRandom(seed: seed), r2 = SeededRandom(seed: seed)
        for c in cases {
            let expected = reference(&r1, index: c.index, time: c.time, malformed: c.malformed)
            let written = buffer.withUnsafeMutableBufferPointer {
                fast.write(at: $0.baseAddress!, &r2, index: c.index, time: c.time, malformed: c.malformed)
            }
            let got = Array(buffer[0 ..< written.count])
            guard got == expected else {
                let common = min(got.count, expected.count)
                let at = (0 ..< common).first { got[$0] != expected[$0] } ?? common
                return XCTFail("record \(c): \(got.count) bytes, expected \(expected.count); first difference at \(at): "
                    + "\(String(decoding: got, as: UTF8.self).debugDescription) != \(String(decoding: expected, as: UTF8.self).debugDescription)",
                    file: file, line: line)
            }
            let name = got.withUnsafeBytes { BSONDocument($0)["Beach"]?.jsonValue.string }
            XCTAssertEqual(written.nameCount > 0 ? String(decoding: got[written.name ..< written.name + written.nameCount], as: UTF8.self) : nil,
                           name, file: file, line: line)
            XCTAssertEqual(r1.next(), r2.next(), "random state after \(c)", file: file, line: line)
        }
    }

    func testSameBytesAsThePlainWriter() {
        // Every defect, the rare turbidity spike, and days changing every 86,400 records.
        var stream: [(index: Int64, time: Int64, malformed: Bool)] = []
        for i in 0 ..< 30_000 { stream.append((Int64(i), 1_717_200_000_000 + Int64(i) * 1000, i % 5 == 0)) }
        compare(stream)
        // Late records jump back over midnight and forth again; times on and around day boundaries.
        let midnight: Int64 = 1_717_200_000_000 - 1_717_200_000_000 % 86_400_000
        let times: [Int64] = [midnight, midnight - 1, midnight + 86_399_999, midnight - 86_400_000, midnight + 1,
                              midnight + 86_400_000, 0, 999, 86_399_999]
        var cases: [(index: Int64, time: Int64, malformed: Bool)] = []
        for (i, t) in times.enumerated() { cases.append((Int64(i), t, false)) }
        compare(cases)
    }

    func testTimesOutsideFourDigitYearsAndLargeIDs() {
        // Before 1970 and after 9999 go through ISO8601 itself; ids past Int32 stay int64.
        let times: [Int64] = [-1, -86_400_000, -62_135_596_800_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000,
                              400_000_000_000_000, 1_000_000]
        var cases: [(index: Int64, time: Int64, malformed: Bool)] = []
        for (i, t) in times.enumerated() { cases.append((Int64(i), t, i % 2 == 0)) }
        compare(cases)
        compare([(Int64(Int32.max), 0, false), (Int64(Int32.max) - 758_000, 1, true), (1 << 60, 2, false)])
    }

    func testHundredthsRoundAndWriteAsDescription() {
        var r = SeededRandom(seed: 3)
        var values: [Double] = [0, -0.0, 0.004, -0.004, 0.005, -0.005, 0.125, -0.125, 0.995, -0.995, 1, 10, 100, 99.995, 12.3,
                                -12.3, 0.1, 0.07, 1e12, 9.99e12, 1e13 - 0.001, 1e13, -1e13, 1e15, 1e300, -1e300, 4503599627370495.5,
                                .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for _ in 0 ..< 100_000 {
            let magnitude = [1.0, 10, 1000, 1e6, 1e10, 1e13][Int(r.next() % 6)]
            values.append((r.unit() * 2 - 1) * magnitude)
            // Exactly on the half hundredth: ties round away from zero.
            values.append((Double(Int64(r.next() % 2_000_001)) - 1_000_000 + 0.5) / 100)
        }
        var text = [UInt8](repeating: 0, count: 64)
        for x in values {
            let h = Hundredths(x)
            let expected = Fake.round(x, 2)
            XCTAssertEqual(h.value.bitPattern, expected.bitPattern, "\(x)")
            guard h.small else { continue }
            let n = text.withUnsafeMutableBufferPointer { h.write(at: $0.baseAddress!) }
            XCTAssertEqual(String(decoding: text[0 ..< n], as: UTF8.self), expected.description, "\(x)")
        }
    }

    func testDigitsAsZeroPadded() {
        var out = [UInt8](repeating: 0, count: 32)
        var values: [UInt64] = [0, 1, 9, 10, 99, 100, 101, 999_999, 1_000_000, 758_000, UInt64(Int64.max), UInt64.max]
        var r = SeededRandom(seed: 5)
        for _ in 0 ..< 10_000 { values.append(r.next() >> (r.next() % 64)) }
        for v in values {
            for width in [1, 6, 20] {
                let n = out.withUnsafeMutableBufferPointer { DecimalDigits.write(v, minimumWidth: width, into: $0.baseAddress!) }
                let s = String(v)
                XCTAssertEqual(String(decoding: out[0 ..< n], as: UTF8.self), String(repeating: "0", count: max(0, width - s.count)) + s)
            }
        }
    }
}
