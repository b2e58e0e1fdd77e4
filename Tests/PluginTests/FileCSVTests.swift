@testable import FilePlugin
import Foundation
import SluiceFormats
import SluiceSDK
import SluiceTestSupport
import XCTest

/// CSV and text edge cases a new user's files hit: nothing read may vanish
/// without a trace, and no value may change on the way through.
extension FileTests {
    /// A quote still open where the file ends (a stray quote, a file cut
    /// mid-record) dead-letters that record, all its lines, with the line
    /// it began on; before, it and every row after it vanished with exit 0.
    func testAQuotedFieldOpenAtTheEndOfTheFileIsDeadLettered() throws {
        let inputs = [
            ("stray.csv", "id,name\n1,a\n2,\"bad\n3,c\n4,d\n", 1, "2,\"bad\n3,c\n4,d", 3),
            ("cut.csv", "id,name\n1,a\n2,b\n3,\"cut", 2, "3,\"cut", 4),
        ]
        for (file, text, good, raw, line) in inputs {
            try text.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
            let summary = try TestSupport.run("""
            engine: {dead_letter_path: \(dir)/dead-\(file).ndjson, max_dead_letter_ratio: 1}
            sources:
              in: {use: file.read, config: {path: \(dir)/\(file)}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(dir)/out-\(file).ndjson}}
            """, dir: dir)
            XCTAssertEqual(TestSupport.lineCount(dir + "/out-\(file).ndjson"), good, file)
            XCTAssertEqual(summary.read, good + 1, file)
            XCTAssertEqual(summary.stage("in")?.deadLettered, 1, file)
            let dead = try TestSupport.readNDJSON(dir + "/dead-\(file).ndjson")
            XCTAssertEqual(dead.count, 1, file)
            XCTAssertEqual(dead.first?["reason"]?.string, "line \(line): unterminated quoted field (the file ends inside it)", file)
            XCTAssertEqual(dead.first?["record"]?["raw"]?.string, raw, file)
            XCTAssertEqual(dead.first?["record"]?["line"]?.integer, Int64(line), file)
        }
    }

    /// Following a growing file, a quote open at the current end is a
    /// record still being written: it is read whole once its lines come.
    func testFollowWaitsForAQuotedFieldOpenAtTheCurrentEnd() throws {
        let path = dir + "/grow.csv"
        try "id,note\n1,\"first half".write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          tail: {use: file.read, config: {path: \(path), follow: true}}
        sinks:
          out: {use: file.write, inputs: [tail], config: {path: \(dir)/out.ndjson}}
        """, dir: dir) { engine in
            Thread.sleep(forTimeInterval: 0.3)
            let h = FileHandle(forWritingAtPath: path)!
            h.seekToEndOfFile()
            h.write(Data("\nsecond half\"\n2,x\n".utf8))
            h.closeFile()
            Thread.sleep(forTimeInterval: 0.5)
            engine.stop()
        }
        XCTAssertEqual(summary.read, 2)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/out.ndjson").map { $0["note"]!.string! }, ["first half\nsecond half", "x"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"))
    }

    /// A row whose field count is not the header's is dead-lettered, named
    /// by the line it began on when its quoted field spans lines.
    func testARowWithAnotherFieldCountIsDeadLetteredAtItsFirstLine() throws {
        try "id,note\n1,\"two\nlines\",extra\n2,b\n".write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        _ = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/dead.ndjson, max_dead_letter_ratio: 1}
        sources:
          in: {use: file.read, config: {path: \(dir)/in.csv}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(dir)/out.ndjson}}
        """, dir: dir)
        XCTAssertEqual(TestSupport.lineCount(dir + "/out.ndjson"), 1)
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(dead.first?["reason"]?.string, "line 2: 3 fields, the header has 2")
        XCTAssertEqual(dead.first?["record"]?["line"]?.integer, 2)
    }

    /// A lines sink writes the field's string, any other value as its
    /// JSON; a record without the field, or with null, is dead-lettered
    /// (before: an empty line, as if written).
    func testALinesSinkDeadLettersARecordWithoutItsField() throws {
        try #"""
        {"line":"a"}
        {"msg":"b"}
        {"line":null}
        {"line":5}
        {"line":{"x":[1]}}

        """#.write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        _ = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/dead.ndjson, max_dead_letter_ratio: 1}
        sources:
          in: {use: file.read, config: {path: \(dir)/in.ndjson}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(dir)/out.log}}
        """, dir: dir)
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.log", encoding: .utf8), "a\n5\n{\"x\":[1]}\n")
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(dead.compactMap { $0["reason"]?.string }, [#"no field "line""#, #"field "line" is null"#])
        XCTAssertEqual(dead.compactMap { $0["record"]?["msg"]?.string }, ["b"])
    }

    /// Inference makes a number only of text that the number, written
    /// back, spells again (trailing decimal zeros aside).
    func testCSVTypeInferenceKeepsTextThatANumberWouldChange() {
        let cases: [(String, JSONValue)] = [
            ("", .null), ("0", .int(0)), ("42", .int(42)), ("-7", .int(-7)),
            ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
            ("0.5", .double(0.5)), ("-0.25", .double(-0.25)), ("20.3", .double(20.3)), ("1.50", .double(1.5)),
            ("100.0", .double(100)), ("0.1", .double(0.1)), ("-0.0", .double(-0.0)),
            ("true", .bool(true)), ("TRUE", .bool(true)), ("True", .bool(true)), ("False", .bool(false)),
            ("02134", "02134"), ("00", "00"), ("01.5", "01.5"), ("+15551234", "+15551234"), ("+1.5", "+1.5"),
            ("0x1A", "0x1A"), ("12345678901234567890", "12345678901234567890"), ("-9223372036854775809", "-9223372036854775809"),
            ("-0", "-0"), ("1e5", "1e5"), ("1.5E3", "1.5E3"), ("NaN", "NaN"), ("nan", "nan"), ("inf", "inf"),
            ("-Infinity", "-Infinity"), (" 12", " 12"), ("12 ", "12 "), (".5", ".5"), ("5.", "5."), ("-", "-"),
            ("1,5", "1,5"), ("3.14159265358979323846", "3.14159265358979323846"), ("9007199254740993.0", "9007199254740993.0"),
            ("١٢", "١٢"), ("yes", "yes"), ("tRUE", "tRUE"),
        ]
        for (cell, expected) in cases {
            let value = CSV.value(cell)
            XCTAssertEqual(value, expected, cell.debugDescription)
            // JSONValue compares numbers by value: the kind must match too.
            switch (value, expected) {
            case (.int, .int), (.double, .double), (.string, .string), (.bool, .bool), (.null, .null): break
            default: XCTFail("\(cell.debugDescription): \(value), expected \(expected)")
            }
        }
        if case let .double(d) = CSV.value("-0.0") { XCTAssertEqual(d.sign, .minus) }
    }

    func testCSVTypeInferenceEndToEnd() throws {
        try "zip,phone,code,big,temp\n02134,+15551234,0x1A,12345678901234567890,20.30\n".write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        _ = try TestSupport.run("""
        sources:
          in: {use: file.read, config: {path: \(dir)/in.csv}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(dir)/out.ndjson}}
        """, dir: dir)
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.ndjson", encoding: .utf8),
                       #"{"zip":"02134","phone":"+15551234","code":"0x1A","big":"12345678901234567890","temp":20.3}"# + "\n")
    }

    func testTheFormatGuessIgnoresCaseAndReadsTSVAsTabSeparated() {
        XCTAssertEqual(FileFormat.guess(path: "in.CSV"), .csv)
        XCTAssertEqual(FileFormat.guess(path: "a/b.Tsv"), .csv)
        XCTAssertEqual(FileFormat.guess(path: "app.LOG"), .lines)
        XCTAssertEqual(FileFormat.guess(path: "notes.TXT"), .lines)
        XCTAssertEqual(FileFormat.guess(path: "data.ndjson"), .ndjson)
        XCTAssertEqual(FileFormat.guess(path: "dir.csv/data"), .ndjson)
        XCTAssertEqual(FileFormat.guess(path: "csv"), .ndjson)
    }

    /// `.tsv` in and out: tabs between fields, a comma is text; `.CSV` is csv.
    func testTSVAndUpperCaseCSVFilesAreReadAndWrittenAsCSV() throws {
        try "id\tname\n1\ta, b\n".write(toFile: dir + "/in.tsv", atomically: true, encoding: .utf8)
        try "id,name\n2,c\n".write(toFile: dir + "/in.CSV", atomically: true, encoding: .utf8)
        _ = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          tsv: {use: file.read, config: {path: \(dir)/in.tsv}}
          csv: {use: file.read, config: {path: \(dir)/in.CSV}}
        sinks:
          json: {use: file.write, inputs: [tsv, csv], config: {path: \(dir)/out.ndjson, normalize: true}}
          table: {use: file.write, inputs: [tsv], config: {path: \(dir)/out.TSV}}
        """, dir: dir)
        let rows = try TestSupport.readNDJSON(dir + "/out.ndjson").sorted { $0["id"]!.integer! < $1["id"]!.integer! }
        XCTAssertEqual(rows, [["id": 1, "name": "a, b"], ["id": 2, "name": "c"]])
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.TSV", encoding: .utf8), "id\tname\n1\ta, b\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"))
    }

    /// A repeated header name is suffixed `_2`, `_3`, …, skipping names the
    /// header has: a record is never an object with two equal keys.
    func testRepeatedCSVHeaderNamesAreSuffixed() throws {
        let (names, renamed) = CSV.headerNames(["id", "name", "id", " id", "id_2", ""])
        XCTAssertEqual(names, ["id", "name", "id_3", "id_4", "id_2", ""])
        XCTAssertEqual(renamed, [#""id" (column 3) as "id_3""#, #""id" (column 4) as "id_4""#])
        try "id,name,id\n1,a,2\n".write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        _ = try TestSupport.run("""
        sources:
          in: {use: file.read, config: {path: \(dir)/in.csv}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(dir)/out.ndjson}}
        """, dir: dir)
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.ndjson", encoding: .utf8), #"{"id":1,"name":"a","id_2":2}"# + "\n")
    }
}
