@testable import SluiceSDK
import XCTest

/// `BSONFromJSON.withLine`: NDJSON lines read where they lie in a buffer
/// of several, each line's end found as it is read. A line it takes is the
/// one the search for the line feed finds, with the document
/// `withDocument` gives that line alone and the text `JSONSourceText`
/// finds in it; any other line it leaves without calling its body.
final class LineInPlaceTests: XCTestCase {
    private let shape = #"{"Beach":"Montrose Beach","MeasurementID":758000,"BatteryLife":9.5,"RawData":"2024-06-01T00:00:00.157286 16.0","Turbidity":0.52,"On":true,"T":{"$date":"2024-06-01T00:00:00.000Z"}}"#

    /// The document of `line` read alone, or its error's description.
    private func alone(_ line: UnsafeRawBufferPointer, ascii: Bool) -> Result<[UInt8], Error> {
        Result {
            var document: [UInt8] = []
            try BSONFromJSON.withDocument(json: line, ascii: ascii) { document = Array($0) }
            return document
        }
    }

    /// Reads `text` as file.read does: each line in place where `withLine`
    /// takes it, else found by its line feed and read by `withDocument`
    /// through the same memory. The text ends where an unreadable page
    /// starts, so a read past it crashes. Returns whether each line was read in place.
    @discardableResult
    private func readLines(_ text: [UInt8], ascii: Bool = true, file: StaticString = #filePath, line: UInt = #line) -> [Bool] {
        lineResults(text, ascii: ascii, file: file, line: line).map { if case .read = $0 { true } else { false } }
    }

    /// `readLines`, with what `withLine` made of each line.
    private func lineResults(_ text: [UInt8], ascii: Bool = true, file: StaticString = #filePath, line: UInt = #line) -> [LineInPlace] {
        let memory = JSONLineMemory()
        var inPlace: [LineInPlace] = []
        withGuardedBytes(text) { all in
            var at = 0
            while at < all.count {
                let rest = UnsafeRawBufferPointer(rebasing: all[at...])
                let lineFeed = rest.firstIndex(of: 0x0A)
                let found = UnsafeRawBufferPointer(rebasing: rest[..<(lineFeed ?? rest.count)])
                var got: (document: [UInt8], object: [UInt8])?
                let result = BSONFromJSON.withLine(in: rest, memory: memory) { got = (Array($0), Array($1)) }
                let name = "line \(inPlace.count + 1): \(String(decoding: found, as: UTF8.self))"
                if case let .read(length) = result {
                    XCTAssertEqual(length, lineFeed, name, file: file, line: line)
                    XCTAssertEqual(got?.object, Array(JSONSourceText.object(in: found)), name, file: file, line: line)
                    switch alone(found, ascii: false) {
                    case let .success(document): XCTAssertEqual(got?.document, document, name, file: file, line: line)
                    case let .failure(error): XCTFail("\(name): read in place, but alone \(error)", file: file, line: line)
                    }
                } else {
                    XCTAssertNil(got.map { _ in "called" }, name, file: file, line: line)
                    _ = try? BSONFromJSON.withDocument(json: found, ascii: ascii, memory: memory) { _ in }
                }
                inPlace.append(result)
                at += found.count + 1
            }
        }
        return inPlace
    }

    /// Lines of one shape are read in place after the first (which leaves
    /// the memory its keys), with any values of the forms the member loop
    /// reads, ", " between members, a CR or spaces and tabs before the line feed.
    func testLinesOfOneShapeAreReadInPlaceAfterTheFirst() {
        var lines: [String] = []
        for i in 0 ..< 300 {
            let name = String(repeating: "b", count: i % 40)
            var line = #"{"Beach":"\#(name)","MeasurementID":\#(i * 7919 % 100_000),"BatteryLife":\#(i % 13).\#(i % 7),"RawData":"\#(String(repeating: "r", count: i % 70))","Turbidity":-0.\#(i % 100),"On":\#(i % 2 == 0),"T":{"$date":"2024-06-0\#(1 + i % 9)T00:00:\#(10 + i % 50).000Z"}}"#
            switch i % 5 {
            case 1: line += "\r"
            case 2: line += " \t "
            case 3: line = line.replacingOccurrences(of: #"","#, with: #"", "#)
            default: break
            }
            lines.append(line)
        }
        let read = readLines(Array(lines.joined(separator: "\n").utf8) + [0x0A])
        XCTAssertEqual(read, [false] + Array(repeating: true, count: lines.count - 1))
    }

    /// After a line of the shape, lines the general path must read: a line
    /// feed in the whitespace between members or in a nested value, a raw
    /// one in a string, values the member loop leaves to `memberValue`,
    /// other keys, non-ASCII, errors, bytes after the object, an object
    /// that does not start the line, and the text's end before a line feed.
    func testLinesTheGeneralPathMustReadAreLeft() {
        let lf = "\n"
        let left = [
            #"{"Beach":"x","MeasurementID":1,"# + lf + #""BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":{"$date":"# + lf
                + #""2024-06-01T00:00:00.000Z"}}"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r"# + lf + #"","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":"x\"y","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":{"a":1},"MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":"x","MeasurementID":12345678901,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5e0,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":[9.5],"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":{"$date":"2024-06-01T00:00:00.000Z"},"more":1}"#,
            #"{"Beach":"x","Measurement":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":"é","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":tru,"T":null}"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null} x"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}}"#,
            #"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null"#,
            #"{"Beach":"x","MeasurementID":1 ,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            #" {"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            "{\t" + #""Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#,
            "{ }", "[1]", "", "{",
        ]
        // Any value of the forms the loop reads after a key: a null where the shape's line had a date.
        let taken = #"{"Beach":"x","MeasurementID":-1,"BatteryLife":9,"RawData":"r","Turbidity":0.5,"On":false,"T":null}"#
        XCTAssertEqual(readLines(Array("\(shape)\n\(taken)\n".utf8)), [false, true])
        for text in left {
            // The shape's line, then the one to leave, then the shape's again (which the general read of the other may leave unremembered).
            let read = readLines(Array("\(shape)\n\(shape)\n\(text)\n\(shape)\n".utf8))
            XCTAssertEqual(read.prefix(3), [false, true, false], text)
            XCTAssertEqual(read.count, 4 + text.utf8.filter { $0 == 0x0A }.count, text)
        }
        // The text ends before the line's line feed, or inside the line.
        for cut in [0, 1, 17, shape.utf8.count - 1, shape.utf8.count, shape.utf8.count + 1] {
            let read = readLines(Array("\(shape)\n\(shape)\n\(shape) \r".utf8.prefix(2 * shape.utf8.count + 2 + cut)))
            XCTAssertEqual(read, [false, true] + (cut > 0 ? [false] : []), "cut at \(cut)")
        }
    }

    /// Why a line is not read, which file.read's pause follows: another
    /// shape (keys that differ, more of them) or a line past the window
    /// says the next line is likely not read either; a value the loop does
    /// not read, a line that is not an object, or the buffer's end before
    /// the line feed says nothing of the next. `{}` is read in place.
    func testWhyALineIsNotRead() {
        let long = #"{"Beach":""# + String(repeating: "y", count: BSONFromJSON.lineWindow) + #""}"#
        let cases: [(String, LineInPlace)] = [
            (#"{"Beach":"x","Measurement":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null}"#, .otherShape),
            (#"{"Beach":"x","MeasurementID":1,"BatteryLife":9.5,"RawData":"r","Turbidity":0.5,"On":true,"T":null,"more":1}"#, .otherShape),
            (#"{"Other":1}"#, .otherShape),
            (long, .tooLong),
            (#"{"Beach":"x\"y","MeasurementID":1}"#, .otherLine),
            (#"{"Beach":"é","MeasurementID":1}"#, .otherLine),
            (#"{"Beach":{"a":1},"MeasurementID":1}"#, .otherLine),
            (#"{"Beach":"x","MeasurementID":12345678901234567890123}"#, .otherLine),
            (#"[1]"#, .otherLine),
            ("", .otherLine),
            ("{}", .read(2)),
        ]
        for (text, why) in cases {
            let results = lineResults(Array("\(shape)\n\(shape)\n\(text)\n\(shape)\n".utf8))
            XCTAssertEqual(results[2], why, text)
        }
        // The text's end before the line feed, within the window: the next refill may hold it.
        XCTAssertEqual(lineResults(Array("\(shape)\n\(shape)\n\(shape)".utf8))[2], .otherLine)
    }

    /// A line is read in place while it and its line feed fit in
    /// `lineWindow` bytes: with members that grow the most (7 bytes in, 10
    /// out), its document still fits the room reserved for it. (A short
    /// number is read from the 8 bytes from its first digit, which the
    /// line's end must not cut: a string ends these lines.)
    func testLinesAroundTheWindow() {
        for count in BSONFromJSON.lineWindow / 7 - 3 ... BSONFromJSON.lineWindow / 7 + 1 {
            let line = "{" + String(repeating: #""":1.5,"#, count: count) + #""":"s"}"#
            XCTAssertEqual(readLines(Array("\(line)\n\(line)\n".utf8)), [false, line.utf8.count + 1 <= BSONFromJSON.lineWindow], line)
        }
        let window = BSONFromJSON.lineWindow
        for length in window - 3 ... window + 1 {
            let head = #"{"k":1,"s":""#
            let line = head + String(repeating: "s", count: length - head.utf8.count - 2) + #""}"#
            XCTAssertEqual(line.utf8.count, length)
            let read = readLines(Array("\(line)\n\(line)\n".utf8))
            XCTAssertEqual(read, [false, length + 1 <= window], "a line of \(length) bytes")
        }
    }

    /// Random edits of lines of one shape (line feeds, spaces, quotes,
    /// digits, escapes, brackets, non-ASCII), read as file.read reads them,
    /// in ASCII mode and not: each line read in place is the line the
    /// search finds, with the document it has alone.
    func testRandomEditsAgreeWithTheGeneralPath() {
        let template = Array(shape.utf8)
        let replacements: [[UInt8]] = ["\n", "\n", "\r", "\t", " ", "a", "\\", "\"", "0", "9", ".", "e", "-", ":", ",", "{", "}", "[", #"\n"#, "é"].map { Array($0.utf8) }
        var random = SeededRandom(seed: 30)
        var text: [UInt8] = []
        for _ in 0 ..< 3000 {
            var line = template
            // Half the lines as the template has them, the rest with one or two edits.
            let edits = random.next() % 2 == 0 ? 0 : 1 + Int(random.next() % 2)
            for _ in 0 ..< edits {
                let at = Int(random.next() % UInt64(line.count))
                let with = replacements[Int(random.next() % UInt64(replacements.count))]
                line.replaceSubrange(at ..< at + Int(random.next() % 2), with: with)
            }
            text += line + [0x0A]
        }
        XCTAssertGreaterThan(readLines(text).filter { $0 }.count, 500)
        XCTAssertGreaterThan(readLines(text, ascii: false).filter { $0 }.count, 500)
    }
}
