import Foundation
import SluiceFormats
import SluiceSDK
import SluiceTestSupport
import XCTest

/// ABI 1.6 source text: a record that file.read decoded from an NDJSON line
/// and no processor changed is written by file.write as that line, byte for
/// byte; a record a processor remade, a repaired line, and `normalize: true`
/// are encoded from the document, as before.
final class FileSourceTextTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("source-text") }

    /// Lines that encoding the document again would spell otherwise: spaces,
    /// number forms, escapes, raw non-ASCII, a dated wrapper with an offset,
    /// whitespace around the object (the only bytes not kept), a `\r`.
    private let kept: [(line: [UInt8], text: String)] = [
        (Array(#"{"a": 1, "b" : [1, 2.50, 1e3, -0]}"#.utf8), #"{"a": 1, "b" : [1, 2.50, 1e3, -0]}"#),
        (Array(#"{"s":"tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00","é":"naïve 日本 😀"}"#.utf8),
         #"{"s":"tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00","é":"naïve 日本 😀"}"#),
        (Array("  {\"c\":{\"$date\":\"2013-08-30T10:00:00+02:00\"}}\t ".utf8), #"{"c":{"$date":"2013-08-30T10:00:00+02:00"}}"#),
        (Array("{\"d\":true}\r".utf8), #"{"d":true}"#),
    ]
    /// A line repaired by `utf8: replace`: its document is not what the line says.
    private let repaired: [UInt8] = Array(#"{"s":"x"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
    /// Dead-lettered, by the source and by the validator.
    private let bad: [[UInt8]] = [Array("not json".utf8), Array(#"{"drop": 1}"#.utf8)]

    private func writeInput() throws {
        let lines = kept.map(\.line) + [repaired] + bad
        try Data(lines.flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: dir + "/in.ndjson"))
    }

    /// What file.write wrote before ABI 1.6 for `line`: its document, encoded.
    private func encoded(_ line: [UInt8]) throws -> String {
        var lines = JSONLines()
        let fixed = line.withUnsafeBytes { UTF8Validation.repaired($0).0 }
        try fixed.withUnsafeBytes { try BSONFromJSON.withDocument(json: $0) { lines.appendLine(BSONDocument($0)) } }
        return lines.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    private func output(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)), as: UTF8.self)
    }

    private func manifest(processor: String) -> String {
        """
        engine: {dead_letter_path: \(dir)/dead.ndjson}
        sources:
          in: {use: file.read, config: {path: \(dir)/in.ndjson, utf8: replace}}
        processors:
        \(processor)
        sinks:
          out: {use: file.write, inputs: [check], config: {path: \(dir)/out.ndjson, append: false}}
          normalized: {use: file.write, inputs: [check], config: {path: \(dir)/normalized.ndjson, append: false, normalize: true}}
        """
    }

    func testUnchangedRecordsAreWrittenAsTheLineTheyWereReadFrom() throws {
        try writeInput()
        _ = try TestSupport.run(manifest(processor: """
          check: {use: validator.validate, inputs: [in], config: {schema: {type: object, properties: {drop: {type: string}}}}}
        """), dir: dir)
        let expected = kept.map { $0.text + "\n" }.joined() + (try encoded(repaired))
        XCTAssertEqual(try output("out.ndjson"), expected)
        let normalized = try (kept.map(\.line) + [repaired]).map(encoded).joined()
        XCTAssertEqual(try output("normalized.ndjson"), normalized)
        XCTAssertNotEqual(normalized, expected, "the lines differ from their encodings, or the test shows nothing")
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(dead.count, 2)
        // The source's and the validator's dead letters reach the queue in either order.
        let source = dead.first { $0["stage"]?.string == "in" }, validator = dead.first { $0["stage"]?.string == "check" }
        XCTAssertTrue(source?["reason"]?.string?.hasPrefix("line 6: invalid JSON") ?? false, "\(dead)")
        XCTAssertEqual(source?["record"]?["raw"]?.string, "not json")
        XCTAssertEqual(validator?["record"]?["drop"]?.integer, 1, "the validator's dead letter holds the document")
    }

    /// testkit.pass forwards even records and emits odd ones as the input's
    /// own bytes: both keep their text, built against this header and
    /// against the 1.0 one (whose emit options end at `token`).
    func testForwardedAndReEmittedInputsKeepTheirTextForOldAndNewPlugins() throws {
        try writeInput()
        let expected = kept.map { $0.text + "\n" }.joined() + (try encoded(repaired)) + #"{"drop": 1}"# + "\n"
        for include in [TestSupport.repoRoot + "/SDK/include", TestSupport.repoRoot + "/Tests/Fixtures/abi-1.0"] {
            let plugins = dir + "/testkit-\(include.hasSuffix("1.0") ? "old" : "new")"
            try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
            try TestSupport.compileC(CPlugins.testkit, name: "sluice-testkit", dir: plugins, include: include)
            _ = try TestSupport.run(manifest(processor: "  check: {use: testkit.pass, inputs: [in]}"), dir: dir, extraPluginDirs: [plugins])
            XCTAssertEqual(try output("out.ndjson"), expected, include)
        }
    }

    /// A processor that emits a copy of each record, claiming the input's
    /// text for it: the host cannot tell the copy is unchanged, and a
    /// processor's text option is not taken, so every record is encoded.
    func testACopiedRecordLosesItsText() throws {
        try writeInput()
        try TestSupport.compileC(Self.copier, name: "sluice-copier", dir: dir)
        _ = try TestSupport.run(manifest(processor: "  check: {use: copier.copy, inputs: [in]}"), dir: dir, extraPluginDirs: [dir])
        let normalized = try (kept.map(\.line) + [repaired] + [bad[1]]).map(encoded).joined()
        XCTAssertEqual(try output("out.ndjson"), normalized)
        XCTAssertEqual(try output("normalized.ndjson"), normalized)
    }

    static let copier = #"""
    #include <stdlib.h>
    #include <string.h>
    #include <sluice/sluice_plugin.h>

    static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                void **state, char *error, size_t cap) {
        (void)self; (void)json; (void)error; (void)cap;
        *state = (void *)host;
        return SLUICE_OK;
    }

    static void destroy(void *state) { (void)state; }

    static sluice_status process(void *state, const sluice_batch *b, sluice_context *ctx) {
        const sluice_host_api *host = state;
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
            uint8_t *copy = malloc(m->length);
            memcpy(copy, b->data + m->offset, m->length);
            sluice_emit_options o = {0};
            o.struct_size = sizeof o;
            o.event_time_ms = SLUICE_NO_EVENT_TIME;
            o.input_index = (int32_t)i;
            if (m->text_length) {
                o.text = b->text_data + m->text_offset;
                o.text_length = m->text_length;
                o.text_format = m->text_format;
            }
            host->emit(ctx, copy, m->length, &o);
            free(copy);
        }
        return SLUICE_OK;
    }

    static const sluice_processor_vtable pv = {sizeof pv, process, NULL};
    static const sluice_component_descriptor copy = {sizeof copy, SLUICE_PROCESSOR, "copy", "emits a copy of each record", NULL, 0, create, destroy, NULL, &pv, NULL};
    static const sluice_component_descriptor *const list[] = {&copy};
    static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "copier", "1.0.0", "copies records", 1, list};
    SLUICE_PLUGIN("copier", "1.0.0", "copies records", "processor:copy", &plugin)
    """#

    /// The host keeps file.read's texts only on the way to a sink that
    /// writes them (file.write: `SLUICE_COMPONENT_READS_TEXT`), through
    /// processors and fan-outs, and not when that sink's disk buffer or
    /// process isolation would lose them anyway.
    func testTextsAreKeptOnlyOnTheWayToASinkThatWritesThem() throws {
        func feeds(_ sinks: String, through processors: String = "") throws -> Bool {
            let yaml = """
            sources:
              in: {use: file.read, config: {path: \(dir)/in.ndjson}}
            \(processors.isEmpty ? "" : "processors:\n" + processors)
            sinks:
            \(sinks)
            """
            return try TestSupport.plan(yaml, dir: dir).feedsTextReader("in")
        }
        try Data().write(to: URL(fileURLWithPath: dir + "/in.ndjson"))
        let check = "  check: {use: validator.validate, inputs: [in], config: {schema: {type: object}}}"
        XCTAssertTrue(try feeds("  out: {use: file.write, inputs: [check], config: {path: \(dir)/o.ndjson}}", through: check))
        XCTAssertFalse(try feeds("  out: {use: file.discard, inputs: [check]}", through: check))
        XCTAssertTrue(try feeds("""
              gone: {use: file.discard, inputs: [in]}
              out: {use: file.write, inputs: [check], config: {path: \(dir)/o.ndjson}}
            """, through: check))
        XCTAssertFalse(try feeds("""
              out:
                use: file.write
                inputs: [in]
                config: {path: \(dir)/o.ndjson}
                buffer: {type: disk, path: \(dir)/buffer}
            """))
        XCTAssertFalse(try feeds("  out: {use: file.write, inputs: [in], isolation: process, config: {path: \(dir)/o.ndjson}}"))
    }
}
