import SluiceFormats
import XCTest

/// `LineSplitter` without I/O: the lines a body is cut into do not depend on
/// how it arrives, and a line over the bound is refused without being held.
final class LineSplitterTests: XCTestCase {
    func split(_ body: [UInt8], at cuts: [Int], maxLineBytes: Int = .max) throws -> [String] {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var lines: [String] = []
        var from = 0
        for to in cuts + [body.count] where to >= from {
            try body[from ..< to].withUnsafeBytes { chunk in
                try splitter.feed(chunk) { line, number in
                    XCTAssertEqual(number, lines.count + 1)
                    lines.append(String(decoding: line, as: UTF8.self))
                }
            }
            XCTAssertLessThanOrEqual(splitter.bufferedBytes, maxLineBytes)
            from = to
        }
        splitter.finish { line, _ in lines.append(String(decoding: line, as: UTF8.self)) }
        return lines
    }

    func testEveryTwoCutsGiveTheSameLines() throws {
        let body = Array("a,b\r\n\n\"x\ny\"\ncafé\nlast".utf8)
        let expected = ["a,b\r", "", "\"x", "y\"", "café", "last"]
        for i in 0 ... body.count {
            for j in i ... body.count {
                XCTAssertEqual(try split(body, at: [i, j]), expected, "cut at \(i) and \(j)")
            }
        }
        XCTAssertEqual(try split(Array("x\n".utf8), at: []), ["x"], "a final newline adds no line")
        XCTAssertEqual(try split([], at: []), [])
    }

    func testALineOverTheBoundIsRefusedWithItsNumber() throws {
        let body = Array("12345\n123456\n1\n".utf8)
        XCTAssertEqual(try split(Array(body.prefix(6)), at: [], maxLineBytes: 5), ["12345"])
        for cut in 0 ... body.count {
            XCTAssertThrowsError(try split(body, at: [cut], maxLineBytes: 5)) { error in
                XCTAssertEqual((error as? LineSplitter.LineTooLong)?.line, 2, "cut at \(cut)")
            }
        }
        XCTAssertThrowsError(try split(Array("1234567".utf8), at: [3], maxLineBytes: 5), "an unfinished line over the bound")
    }
}
