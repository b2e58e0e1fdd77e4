@testable import SluiceSDK
import XCTest

/// `DoubleText.writeShort`'s integer path (one scaling to ten-thousandths,
/// the decimal checked exactly with integers, the trailing zeros counted)
/// against `description` at the places it can go wrong: where it hands over
/// to `description`, powers of two (whose lower neighbour is nearer), every
/// count of decimals, and the neighbours of each decimal it accepts.
final class DoubleTextTests: XCTestCase {
    /// `writeShort`'s text, nil when it hands over; fails when it stores past its 24 bytes.
    private func short(_ d: Double, negative: Bool? = nil, file: StaticString = #filePath, line: UInt = #line) -> String? {
        var buffer = [UInt8](repeating: 0xA5, count: 24 + 16)
        let n = buffer.withUnsafeMutableBufferPointer { DoubleText.writeShort(d, negative: negative ?? (d.sign == .minus), into: $0.baseAddress!) }
        XCTAssertTrue(buffer[24...].allSatisfy { $0 == 0xA5 }, "\(d): stored past 24 bytes", file: file, line: line)
        return n.map { String(decoding: buffer[..<$0], as: UTF8.self) }
    }

    /// The text when the fast path takes `d`; a failure when it hands over.
    private func assertShort(_ d: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(short(d, file: file, line: line), d.description, "\(d.bitPattern)", file: file, line: line)
    }

    private func assertHandedOver(_ d: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNil(short(d, file: file, line: line), "\(d)", file: file, line: line)
        var out: [UInt8] = []
        DoubleText.append(d, to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), d.description, file: file, line: line)
    }

    /// Zero of either sign, whole numbers up to 10^15 and the values just
    /// around each end of the range: NaN and the infinities still go to
    /// `description`, and `JSONText` still writes null for them.
    func testEdgesOfTheRange() {
        XCTAssertEqual(short(0), "0.0")
        XCTAssertEqual(short(-0.0), "-0.0")
        XCTAssertEqual(short(-0.0, negative: false), "0.0")
        for d in [1.0, 16, 100, 1e11, 1e14, 999_999_999_999_999, -999_999_999_999_999, 1e15.nextDown.rounded(.down), 123_456_789_012_345] {
            assertShort(d)
        }
        // 2^-11: below it the check takes 128 bits, from it 64.
        for d in [1e-4, 0.0001, 0.0004, 0.0005, 0.0009, 0.001, 0.0999, 99_999_999_999.9999, -99_999_999_999.9999] { assertShort(d) }
        for d in [0x1p-11, (0x1p-11).nextUp, (0x1p-11).nextDown] { assertHandedOver(d) }
        for d in [1e-4.nextDown, 1e-4.nextUp, 1e-5, 0.00001, -1e-5, 5e-324, 1e15, -1e15, 1e15.nextUp, 1e16, .greatestFiniteMagnitude,
                  .nan, -.nan, .infinity, -.infinity] {
            assertHandedOver(d)
        }
        var w = BSONWriter()
        w.append("nan", double: .nan)
        w.append("inf", double: .infinity)
        w.append("minf", double: -.infinity)
        w.append("z", double: -0.0)
        let text = w.finish().withUnsafeBytes { raw in
            var lines = JSONLines(capacity: 64)
            lines.appendLine(BSONDocument(raw))
            return lines.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        }
        XCTAssertEqual(text, "{\"nan\":null,\"inf\":null,\"minf\":null,\"z\":-0.0}\n")
    }

    /// One to four decimals are written with the trailing zeros dropped;
    /// five go to `description`, at small and large magnitudes.
    func testFourDecimalsAndFive() {
        for d in [0.5, 0.25, 0.125, 0.0625, 0.1, 0.12, 0.123, 0.1234, 9.9999, 21.84, 0.52, 16.04, 1000.0001, 12_345_678.9012, 1.2, 1.02, 1.002, 1.0002] {
            assertShort(d)
            assertShort(-d)
        }
        for d in [0.03125, 0.12345, 1.00001, 0.99995, 123.45675, 0.1 + 0.2, 1.0 / 3, 99_999.99999] { assertHandedOver(d) }
    }

    /// Every value of up to four decimals in the first ten units (each count
    /// of trailing zeros at each place), and stretches of them at larger
    /// magnitudes, up to the last below 10^11: each taken, as `description`.
    func testEveryFourDecimalValue() {
        for i in 0 ..< 100_000 { assertShort(Double(i) / 10000) }
        for base in [1e3, 1e6, 1e9, 1e11 - 1] {
            for i in 0 ..< 10000 { assertShort((base * 10000 + Double(i)) / 10000) }
        }
    }

    /// The doubles next to each decimal the fast path takes have more than
    /// four decimals below 10^11 (a unit in the last place there is under
    /// 10^-4/2): the check must refuse them, and a power of two's lower
    /// neighbour, closer than its upper one, is the tightest case.
    func testNeighboursOfDecimalsAreRefused() {
        var values: [Double] = (1 ... 14).map { 1.0 / Double(1 << $0) } + [0.52, 21.84, 9.5, 16.04, 0.0001, 0.0002, 1234.5678, 99_999_999_999.9999]
        var random = SeededRandom(seed: 15)
        for _ in 0 ..< 20000 { values.append(Double(random.next() % 1_000_000_000_000_000) / 10000) }
        for d in values where d < 1e11 && d >= 1e-4 && d.rounded() != d {
            for n in [d.nextUp, d.nextDown, d.nextUp.nextUp, d.nextDown.nextDown] where n >= 1e-4 {
                assertHandedOver(n)
            }
        }
    }

    /// From 10^11 to 10^15 fewer decimals fit in 15 digits: three, two, one,
    /// then none (a value there with a fraction goes to `description`).
    func testFewerDecimalsAboveTenToTheEleven() {
        for d in [100_000_000_000.5, 123_456_789_012.125, 999_999_999_999.99, 999_999_999_999.999, 1e12 + 0.25, 9_999_999_999_999.5,
                  1e13 + 0.5, 99_999_999_999_999.5] {
            assertShort(d)
        }
        for d in [100_000_000_000.0001, 1e12 + 0.001, 1e13 + 0.25, 1e14 + 0.5, 999_999_999_999_999.9] { assertHandedOver(d) }
    }
}
