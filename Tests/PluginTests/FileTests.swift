@testable import FilePlugin
import CSluicePlugin
import Foundation
import SluiceCore
import SluiceFormats
@testable import SluiceSDK
import SluiceTestSupport
import XCTest

final class FileTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("file") }

    func testCSVFieldsFollowRFC4180() {
        XCTAssertEqual(CSV.fields(#"a,"b,c","d ""q""",,e"#), ["a", "b,c", "d \"q\"", "", "e"])
        XCTAssertNil(CSV.fields(#"a,"open"#))
        XCTAssertEqual(CSV.escape("x,y"), "\"x,y\"")
        XCTAssertEqual(CSV.escape("say \"hi\""), "\"say \"\"hi\"\"\"")
    }

    func testNDJSONRoundTripKeepsBSONTypes() throws {
        try """
        {"id":1,"when":{"$date":"2013-08-30T08:00:00.000Z"},"nested":{"a":[1,2]},"big":9000000000}
        not json at all
        {"id":2,"when":{"$date":"2013-08-30T09:00:00.000Z"},"nested":{"a":[]},"big":1}

        """.write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        let summary = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          in:
            use: file.read
            config: {path: \(dir)/in.ndjson, event_time_field: when, key_field: id}
        sinks:
          out:
            use: file.write
            inputs: [in]
            config: {path: \(dir)/out.ndjson}
        """, dir: dir)
        XCTAssertEqual(summary.read, 3)
        let out = try String(contentsOfFile: dir + "/out.ndjson", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(out.count, 2)
        XCTAssertEqual(String(out[0]), #"{"id":1,"when":{"$date":"2013-08-30T08:00:00.000Z"},"nested":{"a":[1,2]},"big":9000000000}"#)
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(dead.count, 1)
        XCTAssertEqual(dead[0]["record"]?["raw"]?.string, "not json at all")
        XCTAssertEqual(dead[0]["record"]?["line"]?.integer, 2)
        XCTAssertTrue(dead[0]["reason"]?.string?.hasPrefix("line 2: invalid JSON") ?? false, "\(dead[0])")
    }

    /// A UTF-8 byte order mark before a file's text (a spreadsheet's "CSV
    /// UTF-8" export, some editors) is not part of the first record: the
    /// first NDJSON line decodes, the first CSV header name is the name; with
    /// two readers only part 0 starts at the mark.
    func testAByteOrderMarkBeforeTheTextIsDropped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        FileManager.default.createFile(atPath: dir + "/in.ndjson", contents: Data(bom + Array("{\"id\":1}\n{\"id\":2}\n".utf8)))
        FileManager.default.createFile(atPath: dir + "/in.csv", contents: Data(bom + Array("id,name\n1,a\n2,b\n".utf8)))
        for workers in [1, 2] {
            _ = try TestSupport.run("""
            engine: {dead_letter_path: \(dir)/dead-\(workers).ndjson}
            sources:
              lines: {use: file.read, workers: \(workers), config: {path: \(dir)/in.ndjson}}
              table: {use: file.read, config: {path: \(dir)/in.csv}}
            sinks:
              out: {use: file.write, inputs: [lines, table], config: {path: \(dir)/out-\(workers).ndjson, normalize: true}}
            """, dir: dir)
            let rows = try TestSupport.readNDJSON(dir + "/out-\(workers).ndjson")
            XCTAssertEqual(rows.count, 4, "\(rows)")
            XCTAssertEqual(Set(rows.compactMap { $0["id"]?.integer }), [1, 2], "\(rows)")
            XCTAssertEqual(rows.filter { $0["name"] != nil }.count, 2, "the CSV header's first name is id: \(rows)")
            let deadPath = dir + "/dead-\(workers).ndjson"
            let dead = FileManager.default.fileExists(atPath: deadPath) ? try TestSupport.readNDJSON(deadPath) : []
            XCTAssertEqual(dead.count, 0, "nothing dead-lettered: \(dead)")
        }
    }

    /// NDJSON lines of one shape are read where they lie in the reader's
    /// buffer (`decodeInPlace`), the rest by line: lines across the
    /// buffer's refills, CRLF and trailing blanks, blank lines, invalid
    /// ones, a line feed inside an object, other shapes, non-ASCII, a line
    /// longer than the transcoder's window, a last line without a line feed.
    /// With one reader and two, every record is written as its line (the
    /// blanks around it dropped) in file order, and the dead letters name their lines.
    func testLinesReadInPlaceAndByLineGiveTheSameRecords() throws {
        var lines: [String] = []
        for i in 0 ..< 6000 {
            var line = #"{"Beach":"b\#(String(repeating: "x", count: i % 50))","MeasurementID":\#(i),"BatteryLife":\#(i % 17).5,"T":"t"}"#
            switch i % 9 {
            case 1: line += "\r"
            case 2: line += " \t"
            default: break
            }
            lines.append(line)
        }
        let odd = [
            "", "not json", #"{"Beach":"x","#, #""MeasurementID":1}"#, #"{"Beach":{"n":1},"MeasurementID":2,"BatteryLife":1.5,"T":"t"}"#,
            #"{"Beach":"é","MeasurementID":3,"BatteryLife":1.5,"T":"t"}"#, #"{"Beach":"a\"b","MeasurementID":4,"BatteryLife":1.5,"T":"t"}"#,
            #"{"other":1}"#, #"{"Beach":"\#(String(repeating: "y", count: 900))","MeasurementID":5,"BatteryLife":1.5,"T":"t"}"#, "{}",
        ]
        for (n, text) in odd.enumerated() { lines.insert(text, at: 7 + n * 577) }
        lines.append(#"{"Beach":"last","MeasurementID":6,"BatteryLife":1.5,"T":"t"}"#)
        try Data((lines.joined(separator: "\n")).utf8).write(to: URL(fileURLWithPath: dir + "/in.ndjson"))
        let trimmed = { (line: String) in String(line.drop { $0 == " " }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed()) }
        let written = lines.filter { !$0.isEmpty && $0 != "not json" && !$0.hasSuffix(#""x","#) && !$0.hasPrefix(#""Meas"#) }.map(trimmed)
        let deadLines = lines.indices.filter { ["not json", #"{"Beach":"x","#, #""MeasurementID":1}"#].contains(lines[$0]) }.map { $0 + 1 }
        for workers in [1, 2] {
            _ = try TestSupport.run("""
            engine: {dead_letter_path: \(dir)/dead-\(workers).ndjson}
            sources:
              in: {use: file.read, workers: \(workers), config: {path: \(dir)/in.ndjson}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(dir)/out-\(workers).ndjson}}
            """, dir: dir)
            let out = try String(contentsOfFile: dir + "/out-\(workers).ndjson", encoding: .utf8).split(separator: "\n").map(String.init)
            if workers == 1 { XCTAssertEqual(out, written) } else { XCTAssertEqual(out.sorted(), written.sorted()) }
            let dead = try TestSupport.readNDJSON(dir + "/dead-\(workers).ndjson")
            XCTAssertEqual(dead.compactMap { $0["record"]?["line"]?.integer }.sorted(), deadLines.map(Int64.init))
            for letter in dead {
                let line = letter["record"]?["line"]?.integer ?? 0
                XCTAssertTrue(letter["reason"]?.string?.hasPrefix("line \(line): ") ?? false, "\(letter)")
            }
        }
        // Most lines were read in place: the long line, the other shape and the nested object (whose
        // keys the memory then holds at the next line's place) pause it for 255 lines each, the others for a line or two.
        let (records, inPlace) = try readInPlace(dir + "/in.ndjson")
        XCTAssertGreaterThanOrEqual(records, written.count + deadLines.count)
        XCTAssertGreaterThan(inPlace, lines.count - 3 * 256 - 50, "of \(lines.count) lines")
    }

    /// A line of its own every 100 (an escape, non-ASCII, a long number,
    /// `{}`) does not stop the others being read in place; lines of another
    /// shape every 100 do, for the next 255 (a nested object too: the
    /// memory then holds its keys where the next line has the outer ones).
    func testOddLinesPauseReadingInPlaceOnlyForAShapeChange() throws {
        let plain = { (i: Int) in #"{"Beach":"b","MeasurementID":\#(i),"BatteryLife":1.5}"# }
        let odd = [#"{"Beach":"a\"b","MeasurementID":1,"BatteryLife":1.5}"#, #"{"Beach":"é","MeasurementID":1,"BatteryLife":1.5}"#,
                   #"{"Beach":"b","MeasurementID":123456789012345678901,"BatteryLife":1.5}"#, "{}"]
        let otherShapes = [#"{"Other":1}"#, #"{"Beach":{"n":1},"MeasurementID":1,"BatteryLife":1.5}"#]
        for (oddLine, pauses) in odd.map({ ($0, false) }) + otherShapes.map({ ($0, true) }) {
            let lines = (0 ..< 3000).map { $0 % 100 == 50 ? oddLine : plain($0) }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/odd.ndjson"))
            let (records, inPlace) = try readInPlace(dir + "/odd.ndjson")
            XCTAssertEqual(records, lines.count, oddLine)
            if pauses {
                XCTAssertLessThan(inPlace, lines.count / 2, oddLine)
            } else {
                XCTAssertGreaterThan(inPlace, lines.count - 3 * lines.count / 100 - 2, oddLine)
            }
        }
    }

    /// Reads the NDJSON file at `path` with one file.read of this process's
    /// own (the engine's is a plugin loaded apart): the records it emitted
    /// or dead-lettered, and how many lines it read in place.
    private func readInPlace(_ path: String) throws -> (records: Int, inPlace: Int) {
        var api = sluice_host_api()
        api.struct_size = UInt32(MemoryLayout<sluice_host_api>.size)
        api.log = { _, _, _ in }
        api.metric = { _, _, _, _ in nil }
        api.emit = { ctx, _, _, _ in
            UnsafeMutableRawPointer(ctx!).assumingMemoryBound(to: Int.self).pointee += 1
            return 1
        }
        // A dead letter counts as a record too.
        api.fail = { ctx, _, _, _ in UnsafeMutableRawPointer(ctx!).assumingMemoryBound(to: Int.self).pointee += 1 }
        return try withUnsafePointer(to: &api) { api in
            var records = 0
            let source = try FileSource(config: Config(json: #"{"path": "\#(path)"}"#), host: PluginHost(api))
            try withUnsafeMutablePointer(to: &records) { count in
                let output = Output(api: api, ctx: OpaquePointer(count))
                while try source.poll(output, maxRecords: 1000, timeoutMillis: 0) != .end {}
            }
            return (records, source.linesReadInPlace)
        }
    }

    func testCSVInAndOut() throws {
        try "Beach Name,Water Temperature,Note\nMontrose Beach,20.3,\"calm, clear\"\nOhio Street Beach,,\"multi\nline\"\nbroken row\n"
            .write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        _ = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          in:
            use: file.read
            config: {path: \(dir)/in.csv}
        sinks:
          json:
            use: file.write
            inputs: [in]
            config: {path: \(dir)/out.ndjson}
          csv:
            use: file.write
            inputs: [in]
            config: {path: \(dir)/out.csv}
        """, dir: dir)
        let rows = try TestSupport.readNDJSON(dir + "/out.ndjson")
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0]["Water Temperature"], 20.3)
        XCTAssertEqual(rows[0]["Note"], "calm, clear")
        XCTAssertEqual(rows[1]["Water Temperature"], .null, "an empty CSV cell is null")
        XCTAssertEqual(rows[1]["Note"], "multi\nline")
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/dead.ndjson").first?["reason"]?.string, "line 5: 1 fields, the header has 3")
        let csv = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
        XCTAssertEqual(csv, "Beach Name,Water Temperature,Note\nMontrose Beach,20.3,\"calm, clear\"\nOhio Street Beach,,\"multi\nline\"\n")
    }

    /// A key with a NUL cannot be a BSON key: the record goes to the
    /// dead-letter queue with its line and reason, and is counted; the good
    /// records of the same file are delivered.
    func testNULKeysAreDeadLetteredNotDropped() throws {
        try "{\"a\":1}\n{\"a\\u0000b\":1}\n{\"a\":3}\n".write(toFile: dir + "/nul.ndjson", atomically: true, encoding: .utf8)
        try "a,b\u{0}c\n1,2\n".write(toFile: dir + "/nul.csv", atomically: true, encoding: .utf8)
        for (file, good) in [("nul.ndjson", 2), ("nul.csv", 0)] {
            let dead = dir + "/dead-\(file).ndjson"
            let summary = try? TestSupport.run("""
            engine: {dead_letter_path: \(dead)}
            sources:
              in: {use: file.read, config: {path: \(dir)/\(file)}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(dir)/out-\(file)}}
            """, dir: dir)
            XCTAssertEqual(TestSupport.lineCount(dir + "/out-\(file)"), good, file)
            let reasons = try TestSupport.readNDJSON(dead).compactMap { $0["reason"]?.string }
            XCTAssertEqual(reasons.count, 1, file)
            XCTAssertTrue(reasons.first?.contains("NUL") ?? false, "\(file): \(reasons)")
            if good > 0 { XCTAssertEqual(summary?.read, 3, file) }
        }
    }

    /// Invalid UTF-8 in NDJSON, CSV and text lines, as real bytes on disk:
    /// under `utf8: reject` (the default) exactly those lines are
    /// dead-lettered with line and byte and the rest delivered; under
    /// `replace` every line is delivered with U+FFFD, and the output is UTF-8.
    func testInvalidUTF8FollowsTheUTF8Policy() throws {
        let bad: [UInt8] = [0xC3, 0x28]
        let files: [(name: String, bytes: [UInt8], good: Int, line: Int, byte: Int)] = [
            ("u.ndjson", Array(#"{"s":"é"}"#.utf8) + [0x0A] + Array(#"{"s":"x"#.utf8) + bad + Array(#""}"#.utf8) + [0x0A] + Array(#"{"s":"z"}"#.utf8) + [0x0A], 2, 2, 7),
            ("u.csv", Array("s,n\nx,1\ny".utf8) + bad + Array(",2\nz,3\n".utf8), 2, 3, 1),
            ("u.txt", Array("one\ntw".utf8) + bad + Array("\nthree\n".utf8), 2, 2, 2),
        ]
        for f in files {
            try Data(f.bytes).write(to: URL(fileURLWithPath: dir + "/" + f.name))
            for policy in ["reject", "replace"] {
                let out = dir + "/out-\(policy)-\(f.name).ndjson", dead = dir + "/dead-\(policy)-\(f.name).ndjson"
                let summary = try TestSupport.run("""
                engine: {dead_letter_path: \(dead)}
                sources:
                  in: {use: file.read, config: {path: \(dir)/\(f.name), field: s, utf8: \(policy)}}
                sinks:
                  out: {use: file.write, inputs: [in], config: {path: \(out)}}
                """, dir: dir)
                XCTAssertNotNil(String(data: try Data(contentsOf: URL(fileURLWithPath: out)), encoding: .utf8), "\(f.name) \(policy): output is UTF-8")
                let strings = try TestSupport.readNDJSON(out).map { $0["s"]!.string! }
                let reasons = ((try? TestSupport.readNDJSON(dead)) ?? []).compactMap { $0["reason"]?.string }
                if policy == "reject" {
                    XCTAssertEqual(strings.count, f.good, f.name)
                    XCTAssertEqual(reasons.count, 1, f.name)
                    XCTAssertTrue(reasons.first?.hasPrefix("line \(f.line): invalid UTF-8 at byte \(f.byte)") ?? false, "\(f.name): \(reasons)")
                    XCTAssertEqual(summary.read, f.good + 1, f.name)
                } else {
                    XCTAssertEqual(strings.count, f.good + 1, f.name)
                    XCTAssertEqual(reasons, [], f.name)
                    XCTAssertEqual(strings.filter { $0.contains("\u{FFFD}(") }.count, 1, "\(f.name): \(strings)")
                }
            }
        }
    }

    /// With `checkpoint:`, a run stopped part way (here by --max-records)
    /// resumes after the last delivered line, CSV header included; a file
    /// replaced since is read from the start.
    func testACheckpointResumesAfterTheLastDeliveredLine() throws {
        for (name, header) in [("in.ndjson", ""), ("in.csv", "n,half\n")] {
            let csv = !header.isEmpty
            let body = (0 ..< 1000).map { csv ? "\($0),\(Double($0) / 2)" : "{\"n\":\($0)}" }.joined(separator: "\n") + "\n"
            try (header + body).write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            func run(_ out: String, max: Int? = nil) throws -> [Int64] {
                _ = try TestSupport.run("""
                sources:
                  in: {use: file.read, config: {path: \(dir)/\(name), checkpoint: \(dir)/\(name).checkpoint}, batch: {max_records: 64}}
                sinks:
                  out: {use: file.write, inputs: [in], config: {path: \(dir)/\(out)}}
                """, dir: dir, maxRecords: max)
                return try TestSupport.readNDJSON(dir + "/" + out).map { $0["n"]!.integer! }
            }
            XCTAssertEqual(try run("first-\(name).ndjson", max: 400), Array(0 ..< 400), name)
            XCTAssertEqual(try run("second-\(name).ndjson"), Array(400 ..< 1000), "\(name): the second run resumes")
            if csv { XCTAssertEqual(try TestSupport.readNDJSON(dir + "/second-\(name).ndjson").first?["half"], 200, "typed by the header read again") }
            try (header + "{\"n\":7}\n".replacingOccurrences(of: "{\"n\":7}", with: csv ? "7,3.5" : "{\"n\":7}")).write(toFile: dir + "/" + name + ".new", atomically: true, encoding: .utf8)
            XCTAssertEqual(rename(dir + "/" + name + ".new", dir + "/" + name), 0)
            XCTAssertEqual(try run("third-\(name).ndjson"), [7], "\(name): a replaced file is read from the start")
        }
    }

    /// Without `checkpoint:` the position is kept in the state directory:
    /// a run stopped part way resumes, a run that read to the end with every
    /// line delivered leaves nothing behind (the next run reads the file
    /// again, as a batch job expects), and `checkpoint: false` always starts
    /// at line 1.
    func testTheDefaultCheckpointBridgesAStopPartWayOnly() throws {
        try (0 ..< 1000).map { "{\"n\":\($0)}\n" }.joined().write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        func run(_ out: String, max: Int? = nil, checkpoint: String = "") throws -> [Int64] {
            _ = try TestSupport.run("""
            engine: {state_dir: \(dir)/state}
            sources:
              in: {use: file.read, config: {path: \(dir)/in.ndjson\(checkpoint)}, batch: {max_records: 64}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(dir)/\(out)}}
            """, dir: dir, maxRecords: max)
            return try TestSupport.readNDJSON(dir + "/" + out).map { $0["n"]!.integer! }
        }
        let saved = dir + "/state/in/checkpoint"
        XCTAssertEqual(try run("first.ndjson", max: 400), Array(0 ..< 400))
        XCTAssertTrue(FileManager.default.fileExists(atPath: saved), "a stop part way keeps the position")
        XCTAssertEqual(try run("second.ndjson"), Array(400 ..< 1000), "the second run resumes")
        XCTAssertFalse(FileManager.default.fileExists(atPath: saved), "a read to the end with every line delivered removes it")
        XCTAssertEqual(try run("third.ndjson"), Array(0 ..< 1000), "so the next run reads the whole file")
        XCTAssertEqual(try run("fourth.ndjson", max: 300, checkpoint: ", checkpoint: false"), Array(0 ..< 300))
        XCTAssertEqual(try run("fifth.ndjson", checkpoint: ", checkpoint: false"), Array(0 ..< 1000), "checkpoint: false starts at line 1")
    }

    /// The host SIGKILLed part way through a file with no `checkpoint:` set:
    /// the restart resumes near where the sink had got (not at line 1), and
    /// every line is written at least once.
    func testAHostKilledMidReadResumesFromTheDefaultCheckpoint() throws {
        let lines = 300_000
        try (0 ..< lines).map { "{\"n\":\($0)}\n" }.joined().write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        let manifest = dir + "/copy.yaml"
        try """
        engine: {state_dir: \(dir)/state, batch: {max_records: 500}}
        sources:
          in: {use: file.read, config: {path: \(dir)/in.ndjson}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(dir)/out.ndjson}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let saved = dir + "/state/in/checkpoint"
        let first = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: dir + "/first.log")
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        let deadline = Date(timeIntervalSinceNow: 60)
        while !FileManager.default.fileExists(atPath: saved), first.isRunning, Date() < deadline { usleep(10_000) }
        XCTAssertTrue(first.isRunning, "the whole file was copied before the first checkpoint; the test needs a longer file")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        // The kill can leave a torn last line; the next run cuts it off.
        let written = try String(contentsOfFile: dir + "/out.ndjson", encoding: .utf8).split(separator: "\n").filter { $0.hasSuffix("}") }.count
        let resumeAt = try XCTUnwrap(JSONParser.parse(String(contentsOfFile: saved, encoding: .utf8))["line"]?.integer)
        XCTAssertGreaterThan(resumeAt, 0)
        XCTAssertLessThanOrEqual(Int(resumeAt), written, "the checkpoint is never ahead of what the sink wrote")

        let second = try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let all = try TestSupport.readNDJSON(dir + "/out.ndjson").map { Int($0["n"]!.integer!) }
        XCTAssertEqual(Set(all), Set(0 ..< lines), "every line written at least once")
        XCTAssertEqual(all.count - lines, written - Int(resumeAt), "duplicated: only what was written after the last checkpoint")
        XCTAssertTrue(second.stderr.contains("resuming after line \(resumeAt)"), second.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: saved))
    }

    /// Two manifests in one folder that both name their source `in`, with
    /// no `engine.state_dir`, would share `.sluice-state/in`: the second
    /// refuses to start, naming both manifests and the remedies, rather than
    /// resume or remove the first's checkpoint. A folder without an owner
    /// (an older Sluice's) is adopted; a folder another run holds is refused.
    func testTwoManifestsInOneFolderDoNotShareACheckpoint() throws {
        for name in ["a", "b"] {
            try (0 ..< 1000).map { "{\"n\":\($0)}\n" }.joined().write(toFile: "\(dir)/\(name).ndjson", atomically: true, encoding: .utf8)
            try """
            sources:
              in: {use: file.read, config: {path: \(name).ndjson}, batch: {max_records: 64}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(name)-out.ndjson}}
            """.write(toFile: "\(dir)/\(name).yaml", atomically: true, encoding: .utf8)
        }
        func run(_ name: String, max: Int? = nil) throws -> (status: Int32, numbers: [Int64], log: String) {
            try? FileManager.default.removeItem(atPath: "\(dir)/\(name)-out.ndjson")
            let result = try TestSupport.runProcess(TestSupport.sluice, ["run", "\(name).yaml", "--no-progress"] + (max.map { ["--max-records", "\($0)"] } ?? []),
                                                    cwd: dir)
            let numbers = (try? TestSupport.readNDJSON("\(dir)/\(name)-out.ndjson").map { $0["n"]!.integer! }) ?? []
            return (result.status, numbers, result.stderr)
        }
        XCTAssertEqual(try run("a", max: 400).numbers, Array(0 ..< 400))
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/.sluice-state/in/.owner", encoding: .utf8), "\(dir)/a.yaml\n")
        let refused = try run("b")
        XCTAssertEqual(refused.status, 1, refused.log)
        XCTAssertEqual(refused.numbers, [], "b read nothing")
        for part in ["belongs to \(dir)/a.yaml, not \(dir)/b.yaml", "its own engine.state_dir", "rename the component",
                     "delete .sluice-state/in/.owner to hand the state over"]
        {
            XCTAssertTrue(refused.log.contains(part), "'\(part)' in \(refused.log)")
        }
        XCTAssertEqual(try run("a").numbers, Array(400 ..< 1000), "a resumes: b's refusal left its checkpoint alone")

        XCTAssertEqual(try run("a", max: 300).numbers, Array(0 ..< 300))
        try FileManager.default.removeItem(atPath: "\(dir)/.sluice-state/in/.owner")
        let adopted = try run("a")
        XCTAssertEqual(adopted.status, 0, adopted.log)
        XCTAssertEqual(adopted.numbers, Array(300 ..< 1000), "a folder without an owner is an older Sluice's: adopted, resumed")
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/.sluice-state/in/.owner", encoding: .utf8), "\(dir)/a.yaml\n")

        // Another run holding the folder: this process takes the lock as a running `sluice run a.yaml` would.
        try FileManager.default.removeItem(atPath: "\(dir)/.sluice-state/in/.owner")
        try "\(dir)/a.yaml\n".write(toFile: "\(dir)/.sluice-state/in/.lock", atomically: false, encoding: .utf8)
        let held = open("\(dir)/.sluice-state/in/.lock", O_RDWR)
        defer { close(held) }
        XCTAssertEqual(flock(held, LOCK_EX), 0)
        let busy = try run("b")
        XCTAssertEqual(busy.status, 1, busy.log)
        XCTAssertTrue(busy.log.contains("its state folder .sluice-state/in is in use by another run (of \(dir)/a.yaml)"), busy.log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/.sluice-state/in/.owner"), "a refused run records no owner")
    }

    /// A full disk part way through a batch: the sink, the file's only
    /// writer, cuts the file back to where the batch began, so the retry
    /// writes none of its records twice and leaves no torn line. Where the
    /// end is not known (several workers append to one file) the file is
    /// left as written.
    func testAFullDiskPartWayThroughABatchCutsTheFileBackToTheBatchsStart() throws {
        let path = dir + "/full.ndjson"
        let before = "{\"n\":0}\n", batch = Array("{\"n\":1}\n{\"n\":2}\n".utf8)
        try before.write(toFile: path, atomically: true, encoding: .utf8)
        let fd = open(path, O_WRONLY | O_APPEND)
        defer { close(fd) }
        let contents = { try String(contentsOfFile: path, encoding: .utf8) }
        func write(_ end: inout off_t?, fullAfter bytes: Int?) throws {
            var calls = 0
            try batch.withUnsafeBytes {
                try FileSink.writeAll(fd, $0, end: &end) { fd, pointer, count in
                    calls += 1
                    guard let bytes else { return Foundation.write(fd, pointer, count) }
                    if calls == 1 { return Foundation.write(fd, pointer, min(bytes, count)) }
                    errno = ENOSPC
                    return -1
                }
            }
        }
        var end: off_t? = off_t(before.utf8.count)
        XCTAssertThrowsError(try write(&end, fullAfter: 13)) { error in
            guard case let SluiceError.retriable(reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(reason, "write failed: No space left on device")
        }
        XCTAssertEqual(try contents(), before, "the batch's first record and the torn second are cut off")
        XCTAssertEqual(end, off_t(before.utf8.count))
        try write(&end, fullAfter: nil)
        XCTAssertEqual(try contents(), before + "{\"n\":1}\n{\"n\":2}\n", "the retry: each record once")
        XCTAssertEqual(end, off_t(before.utf8.count + batch.count))

        var unknown: off_t?
        XCTAssertThrowsError(try write(&unknown, fullAfter: 5))
        XCTAssertEqual(try contents(), before + "{\"n\":1}\n{\"n\":2}\n{\"n\":", "another worker may have written after it: left alone")
        XCTAssertNil(unknown)
    }

    func testDeliveredLinesAdvanceOnlyOverTheAckedRunFromTheStart() {
        let d = DeliveredLines()
        for line in [1, 2, 4, 5] { d.emitted(line: line, end: UInt64(line * 10)) }
        d.acked(line: 2)
        XCTAssertNil(d.take(), "line 1 is not written yet")
        d.acked(line: 4)
        d.acked(line: 1)
        XCTAssertEqual(d.take()?.line, 4, "lines 1, 2 and 4 (3 was a CSV header or blank) are delivered")
        XCTAssertNil(d.take(), "nothing moved since")
        d.acked(line: 5)
        XCTAssertEqual(d.take()?.end, 50)
        let saved = ReadCheckpoint(path: "/in.ndjson", device: 1, inode: 2, offset: 50, line: 5)
        XCTAssertTrue(saved.resumes(path: "/in.ndjson", device: 1, inode: 2, size: 50, part: nil))
        XCTAssertFalse(saved.resumes(path: "/in.ndjson", device: 1, inode: 3, size: 500, part: nil), "another file")
        XCTAssertFalse(saved.resumes(path: "/in.ndjson", device: 1, inode: 2, size: 49, part: nil), "truncated")
        XCTAssertFalse(saved.resumes(path: "/other.ndjson", device: 1, inode: 2, size: 50, part: nil), "another file with the inode of a deleted one")
        XCTAssertFalse(saved.resumes(path: "/in.ndjson", device: 1, inode: 2, size: 50, part: 0 ..< 25), "the whole file's position is not a part's")
        var ofPart = saved
        ofPart.part = 25 ..< 100
        XCTAssertTrue(ofPart.resumes(path: "/in.ndjson", device: 1, inode: 2, size: 100, part: 25 ..< 100))
        XCTAssertFalse(ofPart.resumes(path: "/in.ndjson", device: 1, inode: 2, size: 100, part: 33 ..< 66), "another split (workers: changed)")
    }

    /// Acks in reverse over lines with gaps (where a line's place is not its
    /// distance from the first), acks of lines never emitted, and repeats.
    func testDeliveredLinesFindOutOfOrderAcksAcrossGaps() {
        let d = DeliveredLines()
        let lines = [3, 4, 7, 8, 9, 20, 21, 40]
        for line in lines { d.emitted(line: line, end: UInt64(line * 10)) }
        for line in [40, 0, 5, 99, 21, 21, 9, 20, 8, 7, 4] { d.acked(line: line) }
        XCTAssertNil(d.take(), "line 3 is not written yet")
        XCTAssertFalse(d.isComplete)
        d.acked(line: 3)
        XCTAssertEqual(d.take()?.end, 400)
        XCTAssertTrue(d.isComplete)
        d.acked(line: 3)
        XCTAssertNil(d.take(), "a repeated ack moves nothing")
        d.emitted(line: 41, end: 410)
        d.acked(line: 41)
        XCTAssertEqual(d.take()?.line, 41)
    }

    /// In-order acks pass the run's first line without marking it: random
    /// mixes of in-order, out-of-order, repeated and unknown acks, one at a
    /// time and in batches, over lines with gaps and past the memory's
    /// first 1,024 lines (moved down, or grown), move the run as a plain
    /// set of acked lines says they should.
    func testDeliveredLinesAgreeWithASetOfAckedLines() {
        var random = SeededRandom(seed: 29)
        for _ in 0 ..< 8 {
            let d = DeliveredLines()
            var lines: [Int] = []
            var emitted = Set<Int>()
            var acked = Set<Int>()
            var next = 1
            var run = 0  // lines delivered so far, from the first
            for _ in 0 ..< 600 {
                for _ in 0 ..< Int(random.next() % 20) {
                    next += 1 + Int(random.next() % 2)
                    lines.append(next)
                    emitted.insert(next)
                    d.emitted(line: next, end: UInt64(next * 10))
                }
                let pending = lines[run...]
                // Half the time the acks come in one call, as a batch's tokens do.
                let batched = random.next() % 2 == 0
                var batch: [UInt64] = []
                for _ in 0 ..< Int(random.next() % 24) {
                    let line: Int
                    switch random.next() % 4 {
                    case 0, 1: line = pending.first { !acked.contains($0) } ?? 0
                    case 2: line = pending.isEmpty ? 0 : pending[pending.startIndex + Int(random.next() % UInt64(pending.count))]
                    default: line = Int(random.next() % UInt64(next + 2))
                    }
                    if batched { batch.append(UInt64(line)) } else { d.acked(line: line) }
                    if emitted.contains(line) { acked.insert(line) }
                }
                batch.withUnsafeBufferPointer { d.acked($0) }
                let before = run
                while run < lines.count, acked.contains(lines[run]) { run += 1 }
                let moved = d.take()
                if run > before {
                    XCTAssertEqual(moved?.line, lines[run - 1])
                    XCTAssertEqual(moved?.end, UInt64(lines[run - 1] * 10))
                } else {
                    XCTAssertNil(moved)
                }
                XCTAssertEqual(d.isComplete, run == lines.count)
            }
        }
    }

    /// A crash can leave the last line of an appended file cut short; the
    /// next run removes it (its record was not acked and comes again)
    /// instead of writing the next line onto it.
    func testATornLastLineIsRemovedBeforeAppending() throws {
        try "{\"n\":1}\n{\"n\":2}\n{\"n\":".write(toFile: dir + "/out.ndjson", atomically: true, encoding: .utf8)
        try "{\"n\":3}\n".write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        _ = try TestSupport.run("""
        sources:
          in: {use: file.read, config: {path: \(dir)/in.ndjson}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(dir)/out.ndjson}}
        """, dir: dir)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/out.ndjson").map { $0["n"]!.integer! }, [1, 2, 3])
    }

    func testFollowModeReadsAppendedLines() throws {
        let path = dir + "/grow.log"
        try "first\n".write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try TestSupport.run("""
        sources:
          tail:
            use: file.read
            config: {path: \(path), format: lines, follow: true, field: message}
        sinks:
          out:
            use: file.write
            inputs: [tail]
            config: {path: \(dir)/out.ndjson}
        """, dir: dir) { engine in
            Thread.sleep(forTimeInterval: 0.3)
            let h = FileHandle(forWritingAtPath: path)!
            h.seekToEndOfFile()
            h.write(Data("second\nthird\n".utf8))
            h.closeFile()
            Thread.sleep(forTimeInterval: 0.5)
            engine.stop()
        }
        XCTAssertEqual(summary.read, 3)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/out.ndjson").map { $0["message"]!.string! }, ["first", "second", "third"])
    }
}

extension FileTests {
    func testDiscardCountsAndDrops() throws {
        let summary = try TestSupport.run("""
        sources:
          gen:
            use: faker.generate
            config: {profile: people, count: 777}
        sinks:
          void:
            use: file.discard
            inputs: [gen]
        """, dir: dir)
        XCTAssertEqual(summary.stage("void")?.recordsOut, 777)
    }
}

private extension DeliveredLines {
    /// One ack, as a batch of one token.
    func acked(line: Int) {
        [UInt64(truncatingIfNeeded: line)].withUnsafeBufferPointer { acked($0) }
    }
}
