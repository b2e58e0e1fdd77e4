import CSluicePlugin
@testable import SluiceCore
import SluiceSDK
import XCTest

/// Where the host keeps a record's source text (ABI 1.6): a source's emit
/// stores it; a processor's output keeps its input's only when it is that
/// input unchanged (forwarded, or emitted as the input's own bytes).
final class SourceTextTests: XCTestCase {
    /// `{"n": n}` as BSON.
    private func doc(_ n: Int32) -> [UInt8] {
        var bytes: [UInt8] = [12, 0, 0, 0, 0x10, UInt8(ascii: "n"), 0]
        withUnsafeBytes(of: n.littleEndian) { bytes += $0 }
        return bytes + [0]
    }

    private func text(_ n: Int) -> String { "{ \"n\" : \(n) }" }

    /// Records 0 ..< count, each with its text but every third (which has none).
    private func input(_ count: Int) -> RecordBuffer {
        let records = RecordBuffer()
        for n in 0 ..< count {
            let t = Array(text(n).utf8)
            doc(Int32(n)).withUnsafeBytes { d in
                t.withUnsafeBytes { records.append(d, eventTime: .min, key: nil, token: 0, text: n % 3 == 2 ? nil : $0, textFormat: SLUICE_TEXT_JSON) }
            }
        }
        return records
    }

    /// Each record's text, nil where it has none.
    private func texts(_ records: RecordBuffer?) -> [String?] {
        guard let records else { return [] }
        return (0 ..< records.count).map { i in records.text(at: i).map { String(decoding: $0.bytes, as: UTF8.self) } }
    }

    private func options(input index: Int = -1, text: UnsafeRawBufferPointer? = nil, size: Int = MemoryLayout<sluice_emit_options>.size) -> sluice_emit_options {
        var o = sluice_emit_options()
        o.struct_size = UInt32(size)
        o.event_time_ms = .min
        o.input_index = Int32(index)
        if let text {
            o.text = text.baseAddress?.assumingMemoryBound(to: UInt8.self)
            o.text_length = UInt32(text.count)
            o.text_format = SLUICE_TEXT_JSON
        }
        return o
    }

    func testASourcesTextIsKeptAndAnOlderSourcesIsNotRead() {
        let out = RecordBuffer()
        let ctx = CallContext(output: out, input: nil, keepsSourceText: true)
        let t = Array(text(7).utf8)
        t.withUnsafeBytes { t in
            doc(7).withUnsafeBytes { d in
                var full = options(text: t)
                XCTAssertEqual(ctx.emit(d, &full), 0)
                // A 1.5 plugin's options end at has_split: the bytes after it are not its.
                var older = options(text: t, size: structFieldEnd(\sluice_emit_options.has_split))
                XCTAssertEqual(ctx.emit(d, &older), 0)
            }
        }
        XCTAssertEqual(texts(out), [text(7), nil])
        out.withBatch { b in
            XCTAssertEqual(Int(b.pointee.meta_stride), 56)
            // The text and its line feed (ABI 1.8).
            XCTAssertEqual(b.pointee.text_data_length, t.count + 1)
            XCTAssertEqual(b.pointee.text_data![t.count], 0x0A)
            XCTAssertEqual(b.pointee.meta[0].text_format, SLUICE_TEXT_JSON)
            XCTAssertEqual(b.pointee.meta[1].text_length, 0)
        }
    }

    func testForwardsKeepTheirTextThroughSelectionsAndCopies() {
        let records = input(6)
        let all = CallContext(input: records, outputCount: 1, tickets: [], holds: HoldTable())
        for i in 0 ..< 6 { _ = all.forward(i) }
        XCTAssertTrue(all.result() === records)

        let selected = CallContext(input: records, outputCount: 1, tickets: [], holds: HoldTable())
        for i in [4, 0, 2] { _ = selected.forward(i) }
        XCTAssertEqual(texts(selected.result()), [text(4), text(0), nil])
        selected.result()!.withBatch { b in
            XCTAssertEqual(b.pointee.meta[0].text_length, UInt32(text(4).utf8.count), "a selection shares its parent's texts")
            let m = b.pointee.meta[0]
            XCTAssertEqual(String(decoding: UnsafeRawBufferPointer(start: b.pointee.text_data! + Int(m.text_offset), count: Int(m.text_length)), as: UTF8.self), text(4))
        }

        // Forwards copied into the output once another record joins it.
        let copied = CallContext(input: records, outputCount: 1, tickets: [], holds: HoldTable())
        _ = copied.forward(1)
        doc(9).withUnsafeBytes { d in
            var o = options()
            XCTAssertEqual(copied.emit(d, &o), 0)
        }
        _ = copied.forward(3)
        XCTAssertEqual(texts(copied.result()), [text(1), nil, text(3)])
    }

    /// The input's own bytes (the pointer into the batch the plugin was
    /// given) keep the text; equal bytes elsewhere, another record's bytes,
    /// no input index, or a processor's own text claim do not.
    func testAnInputEmittedAsItsOwnBytesKeepsItsTextAndNothingElseDoes() {
        let records = input(5)
        let ctx = CallContext(input: records, outputCount: 1, tickets: [], holds: HoldTable())
        let claim = Array(text(0).utf8)
        records.withBatch { b in
            func own(_ i: Int) -> UnsafeRawBufferPointer {
                let m = b.pointee.meta[i]
                return UnsafeRawBufferPointer(start: b.pointee.data! + Int(m.offset), count: Int(m.length))
            }
            var o = options(input: 0)
            XCTAssertEqual(ctx.emit(own(0), &o), 0)
            let copy = Array(own(1))
            o = options(input: 1)
            XCTAssertEqual(copy.withUnsafeBytes { ctx.emit($0, &o) }, 0)
            o = options(input: 3)
            XCTAssertEqual(ctx.emit(own(4), &o), 0, "record 4's bytes as record 3's output")
            o = options()
            XCTAssertEqual(ctx.emit(own(1), &o), 0)
            XCTAssertEqual(claim.withUnsafeBytes { t in doc(2).withUnsafeBytes { d -> Int32 in
                o = options(input: 2, text: t)
                return ctx.emit(d, &o)
            } }, 0)
            o = options(input: 4, size: structFieldEnd(\sluice_emit_options.token))
            XCTAssertEqual(ctx.emit(own(4), &o), 0, "a 1.0 plugin's emit of its input")
        }
        XCTAssertEqual(texts(ctx.result()), [text(0), nil, nil, nil, nil, text(4)])
        XCTAssertEqual(ctx.rejected, 0)
    }

    /// A malformed document is still refused when it is not the input's own bytes.
    func testAMalformedEmitIsStillRefused() {
        let records = input(1)
        let ctx = CallContext(input: records, outputCount: 1, tickets: [], holds: HoldTable())
        var broken = doc(0)
        broken[4] = 0x42
        var o = options(input: 0)
        XCTAssertEqual(broken.withUnsafeBytes { ctx.emit($0, &o) }, -1)
        XCTAssertEqual(ctx.rejected, 1)
    }

    /// A source whose texts no sink downstream writes (`keepsSourceText`
    /// false, what `PipelinePlan.feedsTextReader` decides) keeps none; nor is
    /// a text kept that is not one object on one line, though its record is.
    func testTextsNoSinkWritesAndTextsNotOnOneLineAreNotKept() {
        let unread = RecordBuffer()
        let t = Array(text(7).utf8)
        t.withUnsafeBytes { t in
            doc(7).withUnsafeBytes { d in
                var o = options(text: t)
                XCTAssertEqual(CallContext(output: unread, input: nil).emit(d, &o), 0)
            }
        }
        XCTAssertEqual(texts(unread), [nil])
        XCTAssertEqual(unread.textByteCount, 0)

        let out = RecordBuffer()
        let ctx = CallContext(output: out, input: nil, keepsSourceText: true)
        let framed = ["{\"n\":1}\n{\"n\":2}", "[{\"n\":1}]", "{\"n\":1", "\"n\":1}", " {\"n\":1}", "{\"n\":\n1}", "{}"]
        for candidate in framed {
            Array(candidate.utf8).withUnsafeBytes { t in
                doc(1).withUnsafeBytes { d in
                    var o = options(text: t)
                    XCTAssertEqual(ctx.emit(d, &o), 0, candidate)
                }
            }
        }
        XCTAssertEqual(texts(out), [nil, nil, nil, nil, nil, nil, "{}"])
    }

    /// A selection counts its own records' text bytes, not its parent's, so a
    /// copy of it reserves what they take.
    func testASelectionCountsItsOwnTextBytes() {
        let records = input(6)
        let selection = RecordBuffer(selecting: [4, 2, 0], from: records)
        XCTAssertEqual(selection.textByteCount, text(4).utf8.count + text(0).utf8.count + 2)
        XCTAssertEqual(records.textByteCount, [0, 1, 3, 4].map { text($0).utf8.count + 1 }.reduce(0, +))
    }

    /// Records whose texts lie one after another, each with its line feed
    /// (ABI 1.8), are handed to a sink as the JSON lines they are; a record
    /// without text, or texts out of order, are not.
    func testTextsInOrderAreJSONLinesAsTheyLie() {
        let records = RecordBuffer()
        for n in 0 ..< 4 {
            let t = Array(text(n).utf8)
            doc(Int32(n)).withUnsafeBytes { d in
                t.withUnsafeBytes { records.append(d, eventTime: .min, key: nil, token: 0, text: $0, textFormat: SLUICE_TEXT_JSON) }
            }
        }
        func lines(_ buffer: RecordBuffer) -> String? {
            buffer.withBatch { b in Batch(b).jsonLines().map { String(decoding: $0, as: UTF8.self) } }
        }
        XCTAssertEqual(lines(records), (0 ..< 4).map { text($0) + "\n" }.joined())
        XCTAssertEqual(lines(RecordBuffer(selecting: [1, 2], from: records)), text(1) + "\n" + text(2) + "\n")
        XCTAssertNil(lines(RecordBuffer(selecting: [2, 1], from: records)))
        XCTAssertNil(lines(RecordBuffer(selecting: [0, 2], from: records)))
        XCTAssertNil(lines(input(3)), "the third record has no text")
    }

    /// A 1.6 or 1.7 host packs its texts with nothing between them: neither
    /// one record nor several are taken for JSON lines.
    func testAnOlderHostsPackedTextsAreNotJSONLines() {
        let packed = Array((text(1) + text(2)).utf8)
        let first = text(1).utf8.count
        for count in [1, 2] {
            var metas = (0 ..< count).map { i -> sluice_record_meta in
                var m = sluice_record_meta()
                m.text_offset = UInt32(i == 0 ? 0 : first)
                m.text_length = UInt32(i == 0 ? first : packed.count - first)
                m.text_format = SLUICE_TEXT_JSON
                return m
            }
            let length = count == 1 ? first : packed.count
            let found = packed.withUnsafeBufferPointer { t in
                metas.withUnsafeMutableBufferPointer { m in
                    var b = sluice_batch()
                    b.struct_size = UInt32(MemoryLayout<sluice_batch>.size)
                    b.count = count
                    b.meta = UnsafePointer(m.baseAddress)
                    b.meta_stride = UInt32(MemoryLayout<sluice_record_meta>.stride)
                    b.data = t.baseAddress  // documents of length 0: only the texts are read
                    b.text_data = t.baseAddress
                    b.text_data_length = length
                    return withUnsafePointer(to: &b) { Batch($0).jsonLines() != nil }
                }
            }
            XCTAssertFalse(found, "\(count) record(s)")
        }
    }
}
