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

    /// Parts 0 ..< N of a file hold every line once, each the lines whose
    /// first byte is in its range, in file order; the file's line number
    /// of each line is right in every part. Every file size from 0 to 40
    /// bytes of short lines (with empty ones), so the split points fall
    /// on every position of a line.
    func testPartsHoldEveryLineOnceByItsFirstByte() throws {
        let dir = TestSupport.tempDir("linereader")
        let text = "ab\n\ncde\nf\n\n\nghij\nk\nlm\nnopq\nr\n\nstu\nv\nwx"
        for size in 0 ... text.utf8.count {
            let bytes = Array(text.utf8.prefix(size))
            let path = dir + "/in-\(size).txt"
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            var expected: [(line: Int, text: String, start: Int)] = []
            var start = 0
            for (i, piece) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                if start < bytes.count { expected.append((i + 1, String(decoding: piece, as: UTF8.self), start)) }
                start += piece.count + 1
            }
            for count in 1 ... 5 {
                var all: [(line: Int, text: String)] = []
                for index in 0 ..< count {
                    let reader = try LineReader(path: path)
                    reader.readPart(index, of: count)
                    let range = reader.part ?? 0 ..< UInt64(size)
                    var mine: [(line: Int, text: String)] = []
                    while let line = reader.next(final: true) { mine.append((reader.fileLineNumber, String(decoding: line, as: UTF8.self))) }
                    let owned = expected.filter { range.contains(UInt64($0.start)) || (index == count - 1 && UInt64($0.start) >= range.upperBound) }
                    XCTAssertEqual(mine.map(\.line), owned.map(\.line), "size \(size), part \(index) of \(count)")
                    XCTAssertEqual(mine.map(\.text), owned.map(\.text), "size \(size), part \(index) of \(count)")
                    all += mine
                }
                XCTAssertEqual(all.map(\.line), expected.map(\.line), "size \(size), \(count) parts: every line once, parts in order")
            }
        }
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
