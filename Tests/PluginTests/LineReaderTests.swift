@testable import FilePlugin
import Foundation
import SluiceTestSupport
import XCTest

/// `LineReader` hands out views into one reused buffer: lines across chunk
/// boundaries, lines longer than a chunk, CRLF and a last line without a newline.
final class LineReaderTests: XCTestCase {
    func testLinesAcrossChunksAndLongerThanOne() throws {
        let dir = TestSupport.tempDir("linereader")
        var lines: [[UInt8]] = []
        for i in 0 ..< 3000 { lines.append(Array("{\"i\":\(i),\"pad\":\"\(String(repeating: "x", count: i % 97))\"}\r".utf8)) }
        lines.insert([UInt8](repeating: UInt8(ascii: "y"), count: 3 * LineReader.chunk + 5), at: 1234)
        lines.insert([], at: 10)
        lines.append(Array("last, no newline é".utf8))
        var file: [UInt8] = lines.dropLast().flatMap { $0 + [0x0A] }
        file += lines.last!
        let path = dir + "/in.txt"
        FileManager.default.createFile(atPath: path, contents: Data(file))
        let reader = try LineReader(path: path)
        var read: [[UInt8]] = []
        var ends: [UInt64] = []
        while let line = reader.next(final: true) {
            read.append(Array(line))
            ends.append(reader.offset)
        }
        XCTAssertEqual(read.count, lines.count)
        XCTAssertEqual(read, lines)
        XCTAssertEqual(reader.lineNumber, lines.count)
        XCTAssertEqual(ends.last, UInt64(file.count))
        XCTAssertNil(reader.next(final: true))
    }

    /// Without `final`, a last line with no newline waits for more data (follow mode).
    func testAPartialLastLineWaitsUntilFinal() throws {
        let path = TestSupport.tempDir("linereader") + "/partial.txt"
        FileManager.default.createFile(atPath: path, contents: Data("a\nbc".utf8))
        let reader = try LineReader(path: path)
        XCTAssertEqual(reader.next(final: false).map { Array($0) }, Array("a".utf8))
        XCTAssertNil(reader.next(final: false))
        XCTAssertEqual(reader.next(final: true).map { Array($0) }, Array("bc".utf8))
    }
}
