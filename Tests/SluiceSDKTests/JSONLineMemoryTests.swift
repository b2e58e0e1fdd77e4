@testable import SluiceSDK
import XCTest

/// Lines read through one `JSONLineMemory` (remembered keys, the last
/// date's day) give the documents, and the errors, each line gives alone.
final class JSONLineMemoryTests: XCTestCase {
    /// `text` transcoded flush against an unreadable page (a read past its end crashes), through `memory` when given.
    private func transcode(_ text: [UInt8], ascii: Bool = false, memory: JSONLineMemory?) -> Result<[UInt8], Error> {
        Result {
            try withGuardedBytes(text) { bytes in
                var document: [UInt8] = []
                try BSONFromJSON.withDocument(json: bytes, ascii: ascii, memory: memory) { document = Array($0) }
                return document
            }
        }
    }

    /// Reads `lines` in order through one memory and checks each against a fresh read without one.
    private func assertLinesAgree(_ lines: [String], ascii: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        let memory = JSONLineMemory()
        for (i, text) in lines.enumerated() {
            let bytes = Array(text.utf8)
            let alone = transcode(bytes, ascii: ascii, memory: nil)
            let remembered = transcode(bytes, ascii: ascii, memory: memory)
            switch (alone, remembered) {
            case let (.success(a), .success(r)): XCTAssertEqual(r, a, "line \(i): \(text)", file: file, line: line)
            case let (.failure(a), .failure(r)): XCTAssertEqual("\(r)", "\(a)", "line \(i): \(text)", file: file, line: line)
            default: XCTFail("line \(i): \(text): alone \(alone), remembered \(remembered)", file: file, line: line)
            }
        }
    }

    func testRepeatedKeysAreRecalledAndGiveTheSameDocument() throws {
        let line = #"{"Beach":"Montrose Beach","MeasurementID":758000,"BatteryLife":9.5,"TimeStamp":{"$date":"2024-06-01T00:00:00.000Z"}}"#
        let memory = JSONLineMemory()
        _ = transcode(Array(line.utf8), memory: memory)
        // Each key left an entry: length byte, key, quote, colon; a 0 byte after the last.
        let expected = ["Beach", "MeasurementID", "BatteryLife", "TimeStamp"].flatMap { [UInt8($0.utf8.count + 2)] + Array("\($0)\":".utf8) }
        XCTAssertEqual(Array(UnsafeRawBufferPointer(start: memory.state.pointee.keys, count: expected.count + 1)), expected + [0])
        let second = try transcode(Array(line.utf8), memory: memory).get()
        XCTAssertEqual(second, try transcode(Array(line.utf8), memory: nil).get())
        XCTAssertEqual(second.withUnsafeBytes { BSONDocument($0)["MeasurementID"]?.integer }, 758_000)
        assertLinesAgree(Array(repeating: line, count: 3))
    }

    /// Keys differing from the remembered ones at every byte, longer, shorter, a prefix, escaped, non-ASCII, spaced.
    func testKeysThatDifferFromTheRememberedOnesAreReadInFull() {
        for length in 0 ..< 26 {
            let key = String((0 ..< length).map { Character(Unicode.Scalar(UInt8(97 + $0 % 26))) })
            var others = [key + "x", String(key.dropLast()), key + #"\u0041"#, key + "é", "x" + key]
            for position in 0 ..< length {
                var changed = Array(key.utf8)
                changed[position] = UInt8(ascii: "Z")
                others.append(String(decoding: changed, as: UTF8.self))
                others.append(String(key.prefix(position)) + #"\u00"# + String(Array(key.utf8)[position], radix: 16) + String(key.dropFirst(position + 1)))
            }
            for other in others {
                let lines = [#"{"\#(key)":1,"n":{"\#(key)":[true]}}"#, #"{"\#(other)":2,"n":{"\#(key)":[null]}}"#,
                             #"{"\#(key)":3,"n":{"\#(other)":[1.5]}}"#, #"{"\#(key)" :4,"n":{"\#(key)":[]}}"#,
                             #"{"\#(key)":5,"n":{"\#(key)":["s"]}}"#]
                assertLinesAgree(lines)
                assertLinesAgree(lines, ascii: true)
            }
        }
    }

    /// Lines ending inside or right after a remembered key: the comparison never reads past the line, errors stay the same.
    func testLinesEndingAtARememberedKey() {
        for key in ["a", "abcdefg", "abcdefgh", "abcdefghijklmnop", "abcdefghijklmnopq"] {
            let full = #"{"\#(key)":1}"#
            var lines = [full]
            for cut in 1 ..< full.utf8.count { lines.append(String(full.prefix(cut))); lines.append(full) }
            assertLinesAgree(lines)
        }
    }

    /// A recalled key is compared and copied in one pass, a word at a time,
    /// before it is known to match: written where the output moves from the
    /// stack to the heap, at every offset around it, matching or differing in
    /// its last word (the words stored past the output then overwritten).
    func testRecalledKeysWrittenAcrossTheStackBoundary() {
        var lines: [String] = []
        for pad in JSONTranscoder.stackBytes - 40 ..< JSONTranscoder.stackBytes + 8 {
            let value = String(repeating: "v", count: pad)
            let line = #"{"s":"\#(value)","a recalled key":1,"k":"x"}"#
            lines += [line, line, #"{"s":"\#(value)","a recalled kez":1,"k":"x"}"#, line]
        }
        assertLinesAgree(lines)
        assertLinesAgree(lines, ascii: true)
    }

    /// A remembered key is compared 16 bytes at a time (with its quote and
    /// colon) while the line has 16 bytes left: keys around one and two
    /// blocks, differing at every byte, followed by lines cut at every
    /// byte, each line flush against an unreadable page (`transcode`), so a
    /// compare that read past the line crashes.
    func testRecalledKeysAroundA16ByteBlockAtTheEndOfTheLine() {
        for length in [0, 1, 6, 7, 13, 14, 15, 16, 17, 29, 30, 31, 32, 33, 46, 47] {
            let key = Array(String((0 ..< length).map { Character(Unicode.Scalar(UInt8(97 + $0 % 26))) }).utf8)
            let full = Array(#"{""#.utf8) + key + Array(#"":1,"z":2}"#.utf8)
            var lines = [full, full]
            for position in 0 ..< length + 2 {
                // A key byte, its closing quote or the colon changed.
                var changed = full
                changed[2 + position] = UInt8(ascii: "Z")
                lines += [changed, full]
            }
            for cut in 1 ..< full.count { lines += [Array(full.prefix(cut)), full] }
            assertLinesAgree(lines.map { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// The line's members after recalled keys are read in one loop: every
    /// kind of value (the loop's own and those it hands to the member
    /// loop) before and after every other, followed by ',', '}', a space,
    /// a stray byte or the line's end, and literals cut or misspelt.
    func testEveryValueAfterARecalledKeyAndWhatFollowsIt() {
        let values = [#""s""#, #""""#, #""a\nb""#, #""é""#, "7", "-7", "2147483648", "1.5", "-0.25", "12345678.9", "1e5", "0",
                      "true", "false", "null", #"{"$date":"2024-06-01T00:00:00.000Z"}"#, #"{"$date":"2024-06-01T00:00:00Z"}"#,
                      #"{"x":1}"#, "[1,2]", "{}", "[]", #" "s""#, "tru", "fals", "falsy", "nul", "nulls", "truex", "t", "f", "n"]
        for a in values {
            for b in values {
                var lines: [String] = []
                for after in ["", " ", "x", ",", "}"] {
                    let line = #"{"first":\#(a)\#(after),"second":\#(b)}"#
                    lines += [line, line, #"{"first":\#(a),"second":\#(b)\#(after)"#, String(line.dropLast()), #"{"first":\#(a)"#,
                              // As Python writes it, and with more spaces where the loop skips them.
                              #"{"first": \#(a)\#(after), "second": \#(b)}"#, #"{"first":   \#(a),   "second":  \#(b)\#(after)}"#, #"{"first": "#]
                }
                assertLinesAgree(lines)
                assertLinesAgree(lines, ascii: true)
            }
        }
    }

    /// Nested objects whose keys change from line to line under a parent
    /// whose keys do not: the nested keys remembered anew cut the entries
    /// that followed them, which the parent's loop must see (random shapes,
    /// each line against a read without the memory).
    func testNestedKeysRememberedAnewBetweenRecalledParentKeys() {
        var random = SeededRandom(seed: 7)
        let names = ["a", "bb", "a long nested key name", "k", "another quite long key, 33 bytes", "x y"]
        var lines: [String] = []
        for _ in 0 ..< 3000 {
            let nested = (0 ..< Int(random.next() % 4)).map { _ in #""\#(names[Int(random.next() % UInt64(names.count))])":\#(random.next() % 3)"# }
            let inner = "{" + nested.joined(separator: ",") + "}"
            lines.append(#"{"id":\#(random.next() % 100),"inner":\#(inner),"name":"n","t":true,"after":{"deeper":[\#(inner)]},"last":1}"#)
        }
        assertLinesAgree(lines)
    }

    /// A nested key remembered anew ends the entries where it ends: the
    /// bytes after it are what is left of older entries, and one of them
    /// read as a length (here the space in "PQ k") would compare the next
    /// member, key, quote, colon and part of its string value, equal to
    /// those leftovers. The line's loop must see the entries' new end.
    func testEntriesLeftBehindANestedKeyRememberedAnewAreNotRecalled() {
        let long = String(repeating: "L", count: 32)
        assertLinesAgree([#"{"x":{"PQ k":1},"\#(long)":1}"#, #"{"x":{"":1},"k":"\#(long)"}"#])
        assertLinesAgree([#"{"x":{"PQ k":1},"\#(long)":1}"#, #"{"x":{"":1},"k":"\#(long)"}"#], ascii: true)
    }

    /// A line whose BSON outgrows its text (short keys with doubles: 8
    /// bytes out for 3 in), so the output moves to the heap between members of the one loop.
    func testRecalledMembersWhoseOutputOutgrowsTheStackBuffer() {
        for count in [60, 100, 150, 300] {
            let line = "{" + (0 ..< count).map { #""k\#($0)":1.5"# }.joined(separator: ",") + "}"
            assertLinesAgree([line, line, line])
        }
    }

    /// The room `recalledMembers` reserves once for a line's members (1.5
    /// times its bytes) holds the members that grow the most: an empty key
    /// and a three-byte double, 7 bytes in and 10 out, then a last member
    /// without its comma; in a debug build the loop asserts its output
    /// stays within the room. Lines of every length around the stack's.
    func testMembersThatGrowTheMostStayWithinTheRoomReserved() {
        for count in 1 ..< 160 {
            for last in [#""":1.5"#, #""":-1.5"#, #""":1"#, #""":"""#, #""":true"#] {
                let line = "{" + Array(repeating: #""":1.5"#, count: count).joined(separator: ",") + "," + last + "}"
                assertLinesAgree([line, line])
            }
        }
    }

    /// Fewer keys, more keys, another order, nested objects and arrays, wrappers: each line as it reads alone.
    func testShapesThatChangeFromLineToLine() {
        assertLinesAgree([
            #"{"a":1,"b":"x","c":{"d":2,"e":[{"f":3}]},"g":null}"#,
            #"{"a":1,"c":{"d":2,"e":[{"f":3}]},"g":null}"#,
            #"{"a":1,"b":"x","c":{"d":2,"e":[{"f":3},{"f":4}]},"g":null,"h":false}"#,
            #"{"b":"x","a":1}"#,
            #"{"a":{"$oid":"0123456789abcdef01234567"},"b":{"$numberLong":"7"},"c":{"$date":{"$numberLong":"5"}}}"#,
            #"{"a":1,"b":"x","c":{"d":2,"e":[{"f":3}]},"g":null}"#,
            #"{"a\u0000":1}"#,
            #"{"a":1,"b":"x","c":{"d":2,"e":[{"f":3}]},"g":null}"#,
            "{}",
            #"{"a":1,"b":"x","c":{"d":2,"e":[{"f":3}]},"g":null}"#,
        ])
    }

    /// Past the memory's room (2,048 bytes of entries) keys are read in full; the first ones are still recalled.
    func testMoreKeysThanTheMemoryHolds() {
        let many = "{" + (0 ..< 400).map { #""key number \#($0)":\#($0)"# }.joined(separator: ",") + "}"
        assertLinesAgree([many, many, many])
        let long = String(repeating: "k", count: 300)
        assertLinesAgree([#"{"a":1,"\#(long)":2,"b":3}"#, #"{"a":1,"\#(long)":2,"b":3}"#])
    }

    /// A line whose keys are all recalled still stops at a non-ASCII value byte in ASCII mode.
    func testASCIIModeStillStopsAfterRecalledKeys() {
        let memory = JSONLineMemory()
        XCTAssertNoThrow(try transcode(Array(#"{"k":"plain"}"#.utf8), ascii: true, memory: memory).get())
        XCTAssertThrowsError(try transcode(Array(#"{"k":"é"}"#.utf8), ascii: true, memory: memory).get()) { XCTAssertTrue($0 is NonASCIIText, "\($0)") }
        // A key remembered from a non-ASCII mode read is not: only ASCII keys are kept.
        XCTAssertNoThrow(try transcode(Array(#"{"é":1}"#.utf8), ascii: false, memory: memory).get())
        XCTAssertThrowsError(try transcode(Array(#"{"é":1}"#.utf8), ascii: true, memory: memory).get()) { XCTAssertTrue($0 is NonASCIIText, "\($0)") }
    }

    /// Dates on the remembered day read only their time; another day, a leap day, a bad day or time, each as alone.
    func testDatesOnAndOffTheRememberedDay() {
        let times = ["2024-06-01T00:00:00.000Z", "2024-06-01T23:59:59.999Z", "2024-06-01T12:34:56Z", "2024-06-01T24:00:00.000Z",
                     "2024-06-01T00:60:00.000Z", "2024-06-01T00:00:61Z", "2024-06-01T00:00:00.00aZ", "2024-06-01X00:00:00.000Z",
                     "2024-06-01T00:00:00.000+01:00", "2024-06-02T00:00:00.000Z", "2024-02-29T10:00:00.000Z", "2024-02-29T11:00:00Z",
                     "2023-02-28T10:00:00.000Z", "2023-02-29T10:00:00.000Z", "2023-02-29T10:00:00.000Z", "2024-06-31T00:00:00.000Z",
                     "2024-06-01T00:00:00.000Z", "2024-06-01", "2024-06-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "1969-12-31T00:00:00Z"]
        assertLinesAgree(times.map { #"{"t":{"$date":"\#($0)"}}"# })
        let memory = JSONLineMemory()
        for text in ["2024-02-29T10:00:00.000Z", "2024-02-29T11:30:00.500Z", "2023-03-01T00:00:00.000Z"] {
            let ms = try? transcode(Array(#"{"t":{"$date":"\#(text)"}}"#.utf8), memory: memory).get().withUnsafeBytes { BSONDocument($0)["t"]?.datetime }
            XCTAssertEqual(ms, ISO8601.parse(text), text)
        }
        XCTAssertEqual(ISO8601.parse("2024-02-29T11:30:00.500Z"), 1_709_206_200_500)
    }

    /// Random edits of a bench-like line (keys, numbers, dates, escapes, spaces) read through one memory agree with fresh reads.
    func testRandomEditsAgreeWithFreshReads() {
        let template = Array(#"{"Beach":"Montrose Beach","MeasurementID":758000,"BatteryLife":9.5,"RawData":"2024-06-01T00:00:00.157286 16.0","WaterTemperature":16.0,"Turbidity":0.52,"TimeStamp":{"$date":"2024-06-01T00:00:00.000Z"}}"#.utf8)
        let replacements: [[UInt8]] = ["a", "Z", "\\", "\"", " ", "0", "9", ".", "e", "-", ":", ",", "{", "}", #"\n"#, #"\u0042"#, "é"].map { Array($0.utf8) }
        var random = SeededRandom(seed: 15)
        var lines: [String] = []
        for _ in 0 ..< 3000 {
            var line = template
            for _ in 0 ..< Int(random.next() % 3) {
                let at = Int(random.next() % UInt64(line.count))
                let with = replacements[Int(random.next() % UInt64(replacements.count))]
                line.replaceSubrange(at ..< at + Int(random.next() % 2), with: with)
            }
            lines.append(String(decoding: line, as: UTF8.self))
        }
        assertLinesAgree(lines)
        assertLinesAgree(lines, ascii: true)
    }

    /// Compact `$date`s after recalled keys, on and off the remembered day,
    /// with lines that change the value's form between them.
    func testCompactDatesAfterRecalledKeys() {
        let forms = [#"{"$date":"2024-06-01T00:00:01.000Z"}"#, #"{"$date":"2024-06-01T23:59:59.999Z"}"#, #"{"$date":"2024-06-02T00:00:00.000Z"}"#,
                     #"{"$date":"2024-06-02T24:00:00.000Z"}"#, #"{"$date":"2024-06-02T00:00:00Z"}"#, #"{ "$date":"2024-06-02T00:00:00.000Z"}"#,
                     #"{"$date":"2024-06-02T00:00:00+0100"}"#, #""2024-06-02T00:00:00.000Z""#, "17", #"{"$oid":"0123456789abcdef01234567"}"#]
        var lines: [String] = []
        for a in forms {
            for b in forms { lines += [#"{"id":1,"t":\#(a),"s":"x"}"#, #"{"id":2,"t":\#(b),"s":"y"}"#] }
        }
        assertLinesAgree(lines)
        assertLinesAgree(lines, ascii: true)
    }

    /// A line read by the general path (not in place) whose document fits
    /// the transcoder's stack buffer keeps it there, through the remembered
    /// keys too: their room is tested per member there, not reserved at 1.5
    /// times the input left (which moved lines of ~640 to ~955 bytes to the heap).
    func testLongLineWithRememberedKeysStaysOnTheStack() throws {
        let memory = JSONLineMemory()
        for length in [700, 800, 900] {
            let line = Array((#"{"a":""# + String(repeating: "s", count: length) + #"","b":1}"#).utf8)
            for pass in 0 ..< 2 {
                var marker = 0
                let stack = withUnsafeMutablePointer(to: &marker) { Int(bitPattern: $0) }
                var distance = Int.max
                try line.withUnsafeBytes { json in
                    try BSONFromJSON.withDocument(json: json, ascii: true, memory: memory) {
                        XCTAssertEqual(Array($0), try? BSONFromJSON.document(json: json))
                        distance = abs(Int(bitPattern: $0.baseAddress) - stack)
                    }
                }
                XCTAssertLessThan(distance, 1 << 16, "a line of \(line.count) bytes, pass \(pass): the document is on the heap")
            }
        }
    }
}
