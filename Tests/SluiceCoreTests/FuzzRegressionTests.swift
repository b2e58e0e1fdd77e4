import Foundation
@testable import SluiceCore
import SluiceFormats
import SluiceSchema
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Replays every fuzz seed and every crasher the fuzzers found
/// (fuzz/<target>/corpus and fuzz/<target>/regressions) through the same
/// entry points as the libFuzzer harnesses, in the normal suite: `make fuzz`
/// searches, this keeps what it found fixed.
final class FuzzRegressionTests: XCTestCase {
    private func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let root = TestSupport.repoRoot + "/fuzz/" + target
        var out: [(String, [UInt8])] = []
        for folder in ["corpus", "regressions"] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []
            for file in files.sorted() where !file.hasPrefix(".") {
                out.append(("\(folder)/\(file)", try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/\(folder)/\(file)")))))
            }
        }
        XCTAssertFalse(out.isEmpty, "no inputs under \(root)")
        return out
    }

    /// The seeds are real plugins and pass; the crashers (which trapped the
    /// checker itself) are answered either way without a crash.
    func testELFInputs() throws {
        var checked = 0
        for (name, bytes) in try inputs("elf") {
            let problem = bytes.withUnsafeBytes { ELFLinkCheck.problem(in: $0) }
            if name.hasPrefix("corpus/") { XCTAssertNil(problem, name) }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 2, "the crashers were replayed too")
    }

    /// Whatever parses as a JSON object becomes a well-formed BSON document,
    /// through the tree parser and the streaming transcoder alike.
    func testJSONInputs() throws {
        var parsed = 0
        for (name, bytes) in try inputs("json") {
            bytes.withUnsafeBytes { raw in
                if let value = try? JSONParser.parse(raw), let doc = try? BSONFromJSON.document(value) {
                    XCTAssertTrue(doc.withUnsafeBytes { BSONDocument.isWellFormed($0) }, name)
                    parsed += 1
                }
                var w = BSONWriter(capacity: 64)
                if (try? BSONFromJSON.transcode(json: raw, into: &w)) != nil {
                    XCTAssertTrue(w.finish().withUnsafeBytes { BSONDocument.isWellFormed($0) }, name)
                }
            }
        }
        XCTAssertGreaterThan(parsed, 0)
    }

    /// The fuzzers' first find: `{"a\u0000b":1}` became a BSON document whose
    /// key ended at the NUL (malformed). Both decoders now refuse it with the reason.
    func testNulInAKeyIsRefusedByBothDecoders() throws {
        let text = Array(#"{"ok":{"a\u0000b":1}}"#.utf8)
        try text.withUnsafeBytes { raw in
            XCTAssertThrowsError(try BSONFromJSON.document(JSONParser.parse(raw))) { XCTAssertTrue("\($0)".contains("NUL"), "\($0)") }
            var w = BSONWriter()
            XCTAssertThrowsError(try BSONFromJSON.transcode(json: raw, into: &w)) { XCTAssertTrue("\($0)".contains("NUL"), "\($0)") }
        }
        XCTAssertNoThrow(try BSONFromJSON.document(JSONParser.parse(#"{"a\u0041b":1}"#)), "other escapes in keys still decode")
    }

    /// The BSON fuzzer's find: a string whose length field says 0 (it counts
    /// its NUL, so 1 is the least) passed the check, then reading it trapped.
    func testStringOfLengthZeroIsMalformed() {
        let doc: [UInt8] = [13, 0, 0, 0, 0x02, UInt8(ascii: "s"), 0, 0, 0, 0, 0, 0, 0]
        XCTAssertFalse(doc.withUnsafeBytes { BSONDocument.isWellFormed($0) })
        let good: [UInt8] = [13, 0, 0, 0, 0x02, UInt8(ascii: "s"), 0, 1, 0, 0, 0, 0, 0]
        XCTAssertTrue(good.withUnsafeBytes { BSONDocument.isWellFormed($0) && BSONDocument($0).element(path: "s")?.string == "" })
    }

    func testBSONInputs() throws {
        var wellFormed = 0
        for (name, bytes) in try inputs("bson") {
            bytes.withUnsafeBytes { raw in
                guard BSONDocument.isWellFormed(raw) else { return }
                wellFormed += 1
                guard case .object = BSONDocument(raw).jsonValue else { return XCTFail("\(name) is not an object") }
            }
        }
        XCTAssertGreaterThan(wellFormed, 0)
    }

    /// The CSV target's steps: the first byte picks the separator, the rest
    /// is fed line by line; records match the header and become well-formed BSON.
    func testCSVInputs() throws {
        var records = 0
        for (name, bytes) in try inputs("csv") {
            guard let first = bytes.first else { continue }
            var decoder = CSVRecords(separator: [",", ";", "\t", "|"][Int(first) & 3], maxRecordBytes: 256)
            for (number, line) in bytes.dropFirst().split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                guard case let .record(cells, _) = decoder.feed(Substring(String(decoding: line, as: UTF8.self)), number: number + 1) else { continue }
                XCTAssertEqual(cells.count, decoder.header?.count, name)
                var w = BSONWriter(capacity: 64)
                for (key, cell) in zip(decoder.header!, cells) where !key.utf8.contains(0) { CSV.append(&w, key, cell: cell, infer: true) }
                XCTAssertTrue(w.finish().withUnsafeBytes { BSONDocument.isWellFormed($0) }, name)
                records += 1
            }
        }
        XCTAssertGreaterThan(records, 3)
    }

    /// The lines target's steps: the first byte picks the decoder (NDJSON,
    /// CSV, CSV with `;`, text plain, split into names, matched by a regex),
    /// the second the chunk size; the body fed in chunks through a
    /// `LineSplitter` bounded at 512 bytes decodes to what the whole body
    /// does (up to a line over the bound), and every record is well-formed BSON.
    func testLineInputs() throws {
        let decoders = [
            try RecordDecoder(format: .ndjson, csv: nil, text: nil),
            try RecordDecoder(format: .csv, csv: nil, text: nil),
            try RecordDecoder(format: .csv, csv: Config(json: #"{"separator": ";"}"#), text: nil),
            try RecordDecoder(format: .text, csv: nil, text: nil),
            try RecordDecoder(format: .text, csv: nil, text: Config(json: #"{"names": ["at", "temp", "beach"]}"#)),
            try RecordDecoder(format: .text, csv: nil, text: Config(json: #"{"regex": "^(?<at>\\S+)\\s+(?<temp>[-0-9.]+)(\\s+(?<beach>.*))?$"}"#)),
        ]
        func seen(_ item: RecordDecoder.Item) -> String {
            switch item {
            case let .record(bytes, line):
                XCTAssertTrue(bytes.withUnsafeBytes { BSONDocument.isWellFormed($0) }, "line \(line)")
                return "\(line) \(bytes)"
            case let .malformed(line, raw, reason): return "\(line) \(raw) \(reason)"
            }
        }
        var records = 0, cut = 0
        for (name, bytes) in try inputs("lines") where bytes.count >= 2 {
            let decoder = decoders[Int(bytes[0]) % decoders.count]
            let body = Array(bytes.dropFirst(2))
            var whole: [String] = []
            body.withUnsafeBytes { decoder.decode($0) { whole.append(seen($0)) } }
            var streamed: [String] = []
            var splitter = LineSplitter(maxLineBytes: 512)
            var lines = RecordLines(decoder)
            var tooLong = false
            for start in stride(from: 0, to: body.count, by: Int(bytes[1]) + 1) where !tooLong {
                do {
                    try body[start ..< min(start + Int(bytes[1]) + 1, body.count)].withUnsafeBytes {
                        try splitter.feed($0) { lines.feed($0, number: $1) { streamed.append(seen($0)) } }
                    }
                } catch is LineSplitter.LineTooLong {
                    tooLong = true
                }
                XCTAssertLessThanOrEqual(splitter.bufferedBytes, 512, name)
            }
            if tooLong {
                cut += 1
                XCTAssertEqual(Array(whole.prefix(streamed.count)), streamed, name)
                continue
            }
            splitter.finish { lines.feed($0, number: $1) { streamed.append(seen($0)) } }
            lines.finish { streamed.append(seen($0)) }
            XCTAssertEqual(streamed, whole, name)
            records += whole.count
        }
        XCTAssertGreaterThan(records, 10)
        XCTAssertGreaterThan(cut, 0, "no input has a line over the bound")
    }

    /// The schema target's steps: what parses as JSON is compiled or refused
    /// (the `$ref` cycles in the corpus are refused), and a compiled schema validates instances;
    /// for objects a reused validator's `isValid` agrees with `validate`.
    func testSchemaInputs() throws {
        var compiled = 0
        for (name, bytes) in try inputs("schema") {
            guard let value = try? bytes.withUnsafeBytes({ try JSONParser.parse($0) }) else { continue }
            guard let schema = try? JSONSchema(value) else {
                if name.contains("ref-cycle") { continue }
                XCTFail("\(name) did not compile")
                continue
            }
            XCTAssertFalse(name.contains("ref-cycle"), "\(name): a $ref cycle compiled")
            for instance: JSONValue in [value, .null, .int(0), .double(-1.5), .string("a"), .array([.int(1), .string("a")]), ["a": 1]] {
                let failures = schema.validate(instance)
                guard case .object = instance, let bytes = try? BSONFromJSON.document(instance) else { continue }
                // Twice: the second time through the keys the first learned.
                let validator = SchemaValidator(schema)
                for _ in 0 ..< 2 {
                    XCTAssertEqual(bytes.withUnsafeBytes { validator.isValid(BSONDocument($0)) }, failures.isEmpty, "\(name)")
                }
            }
            compiled += 1
        }
        XCTAssertGreaterThan(compiled, 2)
    }

    /// The manifest target's call: the examples in the corpus parse; the
    /// alias bomb is refused by its size; nothing crashes.
    func testManifestInputs() throws {
        var parsed = 0
        for (name, bytes) in try inputs("manifest") {
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try ManifestParser.parse(text: text, file: "/nonexistent/fuzz/pipeline.yaml", environment: ["HOME": "/root", "TOKEN": "t0k"])
                parsed += 1
                XCTAssertFalse(name.contains("alias-bomb"), "the alias bomb was expanded")
            } catch {
                if name.contains("alias-bomb") { XCTAssertTrue("\(error)".contains("alias"), "\(error)") }
            }
        }
        XCTAssertGreaterThan(parsed, 2)
    }
}
