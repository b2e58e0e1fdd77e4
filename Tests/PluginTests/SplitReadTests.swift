@testable import FilePlugin
import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `workers: N` on `file.read`: N readers, each the lines that begin in its
/// byte range, merged into one stream; every line read exactly once, each
/// reader's position checkpointed on its own.
final class SplitReadTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("split-read") }

    /// Copies `name` (text lines, `field: s`) to a file with `workers` readers; the lines written and the run's summary.
    private func copy(_ name: String, workers: Int, maxRecords: Int? = nil, batch: Int = 7) throws -> (lines: [String], summary: RunSummary) {
        let out = "\(dir)/out-\(workers)-\(name).ndjson"
        unlink(out)
        let summary = try TestSupport.run("""
        engine: {state_dir: \(dir)/state-\(workers)-\(name), dead_letter_path: \(dir)/dead-\(workers)-\(name).ndjson}
        sources:
          in:
            use: file.read
            workers: \(workers)
            batch: {max_records: \(batch)}
            config: {path: \(dir)/\(name), format: lines, field: s}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(out)}}
        """, dir: dir, maxRecords: maxRecords)
        let written = FileManager.default.fileExists(atPath: out) ? try TestSupport.readNDJSON(out).map { $0["s"]!.string! } : []
        return (written, summary)
    }

    private func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
    }

    /// Lines of 1 to 30 bytes, shifted by 0 to 30 bytes of a first line, so
    /// that over the shifts every split point of N = 2, 3, 4 falls on every
    /// position in a line: at its first byte, inside it, on its newline.
    func testEveryLineIsReadOnceWhereverTheSplitPointsFall() throws {
        let body = (0 ..< 40).map { i in "\(i)-" + String(repeating: "x", count: (i * 7) % 29) }
        for shift in 0 ... 30 {
            let lines = [String(repeating: "s", count: shift)] + body
            let name = "shift-\(shift).txt"
            try write(lines.joined(separator: "\n") + "\n", to: name)
            for workers in 1 ... 4 {
                let (written, summary) = try copy(name, workers: workers)
                XCTAssertEqual(written.sorted(), lines.sorted(), "shift \(shift), \(workers) readers")
                XCTAssertEqual(summary.read, lines.count, "the source counts its readers together")
                XCTAssertEqual(summary.stages.filter { $0.name == "in" }.count, 1, "one line for the source")
            }
        }
    }

    /// Lines longer than a range (and than the reader's 64 KiB chunk), a
    /// file of fewer lines than readers, an empty file, a last line without
    /// a newline.
    func testLongLinesFewLinesNoLinesAndNoLastNewline() throws {
        let long = (0 ..< 3).map { "\($0)" + String(repeating: "y", count: 100_000 + $0) }
        try write(long.joined(separator: "\n") + "\n", to: "long.txt")
        try write("a\nb\n", to: "two.txt")
        try write("", to: "empty.txt")
        try write("first\nsecond\nlast without newline", to: "open.txt")
        let cases: [(String, [String])] = [("long.txt", long), ("two.txt", ["a", "b"]), ("open.txt", ["first", "second", "last without newline"])]
        for (name, lines) in cases {
            for workers in 1 ... 4 {
                XCTAssertEqual(try copy(name, workers: workers).lines.sorted(), lines.sorted(), "\(name), \(workers) readers")
            }
        }
        for workers in 1 ... 4 {
            let (written, summary) = try copy("empty.txt", workers: workers)
            XCTAssertEqual(written, [], "\(workers) readers")
            XCTAssertEqual(summary.read, 0)
            XCTAssertTrue(summary.failure(maxDeadLetterRatio: 0.5)?.hasPrefix("nothing was delivered") ?? false, "an empty input is no success")
        }
    }

    /// CRLF line ends: NDJSON reads `\r` as the whitespace after the object.
    func testCRLFLinesSplit() throws {
        try write((0 ..< 500).map { #"{"n":\#($0)}"# + "\r\n" }.joined(), to: "crlf.ndjson")
        for workers in 1 ... 4 {
            let out = "\(dir)/crlf-\(workers).ndjson"
            _ = try TestSupport.run("""
            engine: {state_dir: \(dir)/crlf-state-\(workers)}
            sources:
              in: {use: file.read, workers: \(workers), batch: {max_records: 16}, config: {path: \(dir)/crlf.ndjson}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(out)}}
            """, dir: dir)
            XCTAssertEqual(try TestSupport.readNDJSON(out).map { $0["n"]!.integer! }.sorted(), Array(0 ..< 500), "\(workers) readers")
        }
    }

    /// Readers in child processes (`isolation: process`) learn their part there too.
    func testIsolatedReadersSplitTheFile() throws {
        try write((0 ..< 3000).map { #"{"n":\#($0)}"# + "\n" }.joined(), to: "iso.ndjson")
        let out = dir + "/iso-out.ndjson", manifest = dir + "/iso.yaml"
        try """
        engine: {state_dir: \(dir)/iso-state}
        sources:
          in: {use: file.read, workers: 3, isolation: process, batch: {max_records: 100}, config: {path: \(dir)/iso.ndjson}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(out)}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("read 3000"), result.stderr)
        XCTAssertEqual(try TestSupport.readNDJSON(out).map { $0["n"]!.integer! }.sorted(), Array(0 ..< 3000))
    }

    /// The status views show the source once, with its readers counted together.
    func testTheTopologyShowsTheSourceOnceWithItsReaders() throws {
        try write((0 ..< 5000).map { "\($0)\n" }.joined(), to: "topology.txt")
        var seen: Engine?
        let summary = try TestSupport.run("""
        engine: {state_dir: \(dir)/topology-state}
        sources:
          in: {use: file.read, workers: 3, batch: {max_records: 10}, config: {path: \(dir)/topology.txt, format: lines}}
        sinks:
          out: {use: file.discard, inputs: [in]}
        """, dir: dir) { engine in
            while !engine.isBuilt { usleep(1000) }
            seen = engine
        }
        let topology = try XCTUnwrap(seen).topology(rates: RateWindow())
        let sources = topology.nodes.filter { $0.kind == "source" }
        XCTAssertEqual(sources.map(\.name), ["in"], "one node for the three readers")
        XCTAssertEqual(sources.first?.workers, 3)
        XCTAssertEqual(sources.first?.recordsIn, 5000, "the readers' records counted together")
        XCTAssertEqual(summary.read, 5000)
    }

    /// Each reader keeps its order: the lines of one part come in file order.
    func testEachReaderKeepsFileOrder() throws {
        try write((0 ..< 2000).map { "\($0)\n" }.joined(), to: "order.txt")
        let written = try copy("order.txt", workers: 2, batch: 50).lines.map { Int($0)! }
        XCTAssertEqual(written.sorted(), Array(0 ..< 2000))
        // The middle byte (4,445 of 8,890) is in line 1111: part 0 holds the lines before it, part 1 from there.
        let first = written.filter { $0 < 1100 }, second = written.filter { $0 >= 1200 }
        XCTAssertEqual(first, first.sorted(), "the first reader's lines in order")
        XCTAssertEqual(second, second.sorted(), "the second reader's lines in order")
    }

    /// --max-records stops the readers part way; each keeps its position in
    /// its own state directory, and the next run resumes each part:
    /// together every line exactly once. The budget (1,200) is more than
    /// either part (1,050 and 950 lines), so both read, and one may read its
    /// part to the end: its checkpoint then says so, and the next run reads
    /// nothing of it. After a run in which both finished, the next reads the
    /// whole file again, as a batch job expects.
    func testEachReaderResumesItsOwnPartAfterAStop() throws {
        try write((0 ..< 2000).map { #"{"n":\#($0)}"# + "\n" }.joined(), to: "in.ndjson")
        func run(_ out: String, max: Int? = nil, workers: Int = 2) throws -> (numbers: [Int64], summary: RunSummary) {
            let summary = try TestSupport.run("""
            engine: {state_dir: \(dir)/state}
            sources:
              in: {use: file.read, workers: \(workers), config: {path: \(dir)/in.ndjson}, batch: {max_records: 64}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(dir)/\(out)}}
            """, dir: dir, maxRecords: max)
            return (try TestSupport.readNDJSON(dir + "/" + out).map { $0["n"]!.integer! }, summary)
        }
        let saved = [dir + "/state/in/checkpoint", dir + "/state/in/worker-1/checkpoint"]
        let first = try run("first.ndjson", max: 1200)
        XCTAssertEqual(first.numbers.count, 1200, "--max-records is one budget for both readers")
        XCTAssertEqual(first.summary.read, 1200)
        let checkpoints = saved.compactMap(ReadCheckpoint.load)
        XCTAssertEqual(checkpoints.count, 2, "a stop part way keeps each reader's position")
        XCTAssertEqual(checkpoints.first?.part?.lowerBound, 0)
        XCTAssertEqual(checkpoints.first?.part?.upperBound, checkpoints.last?.part?.lowerBound, "the parts meet")
        XCTAssertEqual(checkpoints.map(\.line).reduce(0, +), 1200, "each position after what its reader delivered")
        XCTAssertFalse(checkpoints.allSatisfy(\.complete), "one part at least is unfinished")

        let second = try run("second.ndjson")
        XCTAssertEqual((first.numbers + second.numbers).sorted(), Array(0 ..< 2000), "no line lost, none read twice")
        XCTAssertTrue(saved.compactMap(ReadCheckpoint.load).allSatisfy(\.complete), "both parts read to the end")
        XCTAssertEqual(try run("third.ndjson").numbers.sorted(), Array(0 ..< 2000), "so the next run reads the whole file")

        // A checkpoint of another split (workers: changed) is not resumed: one reader reads the whole file,
        // not resuming reader 0's part as if it were the file; and then two again, though reader 1's
        // complete checkpoint outlived that run.
        XCTAssertEqual(try run("fourth.ndjson", workers: 1).summary.read, 2000)
        XCTAssertEqual(try run("fifth.ndjson").numbers.sorted(), Array(0 ..< 2000))
        // Stopped part way with 3 readers, then read whole by 2: reader 2's position must not outlive that run.
        _ = try run("sixth.ndjson", max: 300, workers: 3)
        XCTAssertEqual(try run("seventh.ndjson").summary.read, 2000, "parts of another split are read from their start")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/state/in/worker-2/checkpoint"), "a checkpoint of a third reader is gone")
        XCTAssertEqual(try run("eighth.ndjson", workers: 3).numbers.sorted(), Array(0 ..< 2000), "3 readers read the whole file again")
    }

    /// `checkpoint: PATH` with two readers: the first keeps PATH, the second PATH.worker-1; both kept after the end.
    func testAnExplicitCheckpointGetsOneFilePerReader() throws {
        try write((0 ..< 600).map { #"{"n":\#($0)}"# + "\n" }.joined(), to: "in.ndjson")
        let saved = dir + "/in.checkpoint"
        func run(_ out: String, max: Int? = nil) throws -> [Int64] {
            _ = try TestSupport.run("""
            engine: {state_dir: \(dir)/state}
            sources:
              in: {use: file.read, workers: 2, config: {path: \(dir)/in.ndjson, checkpoint: \(saved)}, batch: {max_records: 32}}
            sinks:
              out: {use: file.write, inputs: [in], config: {path: \(dir)/\(out)}}
            """, dir: dir, maxRecords: max)
            return try TestSupport.readNDJSON(dir + "/" + out).map { $0["n"]!.integer! }
        }
        // 400 is more than either part (305 and 295 lines): both readers read.
        let first = try run("first.ndjson", max: 400)
        XCTAssertEqual(ReadCheckpoint.load(saved)?.part?.lowerBound, 0)
        XCTAssertGreaterThan(ReadCheckpoint.load(saved + ".worker-1")?.part?.lowerBound ?? 0, 0)
        let second = try run("second.ndjson")
        XCTAssertEqual((first + second).sorted(), Array(0 ..< 600), "no line lost, none read twice")
        XCTAssertNotNil(ReadCheckpoint.load(saved), "an explicit checkpoint is kept after the end")
        XCTAssertNotNil(ReadCheckpoint.load(saved + ".worker-1"))
    }

    /// The host SIGKILLed while two readers copy a file: the restart resumes
    /// each part near where the sink had got, every line is written at
    /// least once, and only what was written after the checkpoints twice.
    func testAHostKilledMidReadResumesEveryPart() throws {
        let lines = 300_000
        try write((0 ..< lines).map { #"{"n":\#($0)}"# + "\n" }.joined(), to: "in.ndjson")
        let manifest = dir + "/copy.yaml"
        try """
        engine: {state_dir: \(dir)/state, batch: {max_records: 500}}
        sources:
          in: {use: file.read, workers: 2, config: {path: \(dir)/in.ndjson}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(dir)/out.ndjson}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let saved = [dir + "/state/in/checkpoint", dir + "/state/in/worker-1/checkpoint"]
        let first = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: dir + "/first.log")
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        let deadline = Date(timeIntervalSinceNow: 60)
        while !saved.allSatisfy({ FileManager.default.fileExists(atPath: $0) }), first.isRunning, Date() < deadline { usleep(10_000) }
        XCTAssertTrue(first.isRunning, "the whole file was copied before both checkpoints; the test needs a longer file")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let written = try String(contentsOfFile: dir + "/out.ndjson", encoding: .utf8).split(separator: "\n").filter { $0.hasSuffix("}") }.count
        let resumed = try saved.map { try XCTUnwrap(ReadCheckpoint.load($0)) }
        XCTAssertTrue(resumed.allSatisfy { $0.line > 0 }, "\(resumed)")
        XCTAssertLessThanOrEqual(resumed.map(\.line).reduce(0, +), written, "the checkpoints are never ahead of what the sink wrote")

        let second = try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let all = try TestSupport.readNDJSON(dir + "/out.ndjson").map { Int($0["n"]!.integer!) }
        XCTAssertEqual(Set(all), Set(0 ..< lines), "every line written at least once")
        XCTAssertEqual(all.count - lines, written - resumed.map(\.line).reduce(0, +), "duplicated: only what was written after the checkpoints")
        XCTAssertEqual(second.stderr.components(separatedBy: "resuming after line").count - 1, 2, second.stderr)
        XCTAssertTrue(saved.compactMap(ReadCheckpoint.load).allSatisfy(\.complete), "both parts read to the end, so the next run reads the file again")
    }

    /// A bad line in each half with two readers: each goes to the dead-letter
    /// queue with its reason and its line number in the whole file.
    func testABadLineIsDeadLetteredWithItsFileLineByEitherReader() throws {
        var lines = (0 ..< 100).map { #"{"n":\#($0)}"# }
        lines[9] = #"{"n": oops}"#
        lines[89] = #"{"n":89"#
        try write(lines.joined(separator: "\n") + "\n", to: "bad.ndjson")
        let dead = dir + "/dead.ndjson", out = dir + "/out.ndjson"
        let summary = try TestSupport.run("""
        engine: {dead_letter_path: \(dead), state_dir: \(dir)/state}
        sources:
          in: {use: file.read, workers: 2, batch: {max_records: 8}, config: {path: \(dir)/bad.ndjson}}
        sinks:
          out: {use: file.write, inputs: [in], config: {path: \(out)}}
        """, dir: dir)
        XCTAssertEqual(summary.read, 100)
        XCTAssertEqual(summary.deadLettered, 2)
        XCTAssertEqual(try TestSupport.readNDJSON(out).map { $0["n"]!.integer! }.sorted(), (0 ..< 100).filter { $0 != 9 && $0 != 89 }.map(Int64.init))
        let entries = try TestSupport.readNDJSON(dead).sorted { ($0["record"]?["line"]?.integer ?? 0) < ($1["record"]?["line"]?.integer ?? 0) }
        XCTAssertEqual(entries.map { $0["record"]?["line"]?.integer }, [10, 90], "file line numbers, also from the second reader")
        XCTAssertEqual(entries.map { $0["record"]?["raw"]?.string }, [lines[9], lines[89]])
        XCTAssertTrue(entries.first?["reason"]?.string?.hasPrefix("line 10: ") ?? false, "\(entries)")
        XCTAssertTrue(entries.last?["reason"]?.string?.hasPrefix("line 90: ") ?? false, "\(entries)")
    }

    /// Inputs that cannot be split are refused by `sluice validate` (and
    /// `run`) with the config key that makes them so.
    func testUnsplittableInputsAreRefused() throws {
        try write("a,b\n1,2\n", to: "in.csv")
        try write("{}\n", to: "in.ndjson")
        let cases = [("{path: '-'}", "sources.in.config.path", "stdin cannot be split"),
                     ("{path: \(dir)/in.ndjson, follow: true}", "sources.in.config.follow", "a followed file grows past any split"),
                     ("{path: \(dir)/in.csv, format: csv}", "sources.in.config.format", "csv cannot be split")]
        for (config, key, message) in cases {
            do {
                _ = try TestSupport.plan("""
                sources:
                  in: {use: file.read, workers: 2, config: \(config)}
                sinks:
                  out: {use: file.discard, inputs: [in]}
                """, dir: dir)
                XCTFail("\(config): expected a refusal")
            } catch let e as ManifestErrors {
                let error = e.errors.first { $0.key == key }
                XCTAssertNotNil(error, "\(config): \(e.errors)")
                XCTAssertTrue(error?.message.contains(message) ?? false, "\(config): \(e.errors)")
                XCTAssertEqual(error?.location?.line, 2, "\(config): points at its line")
            }
        }
        XCTAssertNoThrow(try TestSupport.plan("""
        sources:
          in: {use: file.read, workers: 1, config: {path: '-'}}
        sinks:
          out: {use: file.discard, inputs: [in]}
        """, dir: dir), "one reader reads stdin")
    }

    /// The command line refuses it too, with a non-zero exit.
    func testRunRefusesAnUnsplittableSourceWithWorkers() throws {
        let manifest = dir + "/stdin.yaml"
        try """
        sources:
          in: {use: file.read, workers: 3, config: {path: '-'}}
        sinks:
          out: {use: file.discard, inputs: [in]}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", manifest, "--no-progress"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("sources.in.config.path: stdin cannot be split among workers: 3 readers"), result.stderr)
    }
}
