import CSluicePlugin
@testable import SluiceCore
import SluiceSDK
import XCTest

/// `emit_parts` (ABI 1.6): the document the host assembles from parts, and
/// the parts it refuses on their framing alone.
final class DocumentPartsTests: XCTestCase {
    /// `{"n": n}` as BSON.
    private func doc(_ n: Int32) -> [UInt8] {
        var bytes: [UInt8] = [12, 0, 0, 0, 0x10, UInt8(ascii: "n"), 0]
        withUnsafeBytes(of: n.littleEndian) { bytes += $0 }
        return bytes + [0]
    }

    /// Emits `parts` (name, document or nil for null) through a processor's
    /// context; returns emit's status and the record emitted, if any.
    private func emit(_ parts: [(String?, [UInt8]?)], eventTime: Int64 = 5) -> (status: Int32, record: [UInt8]?, eventTime: Int64?) {
        let ctx = CallContext(input: nil, outputCount: 1, tickets: [], holds: HoldTable())
        let names = parts.map { $0.0.map { strdup($0)! } }
        defer { for name in names { free(name) } }
        // Copies that stay put for the whole call, as a plugin's stored rows do.
        let documents = parts.map { part in
            part.1.map { bytes in
                let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
                copy.initialize(from: bytes, count: bytes.count)
                return copy
            }
        }
        defer { for d in documents { d?.deallocate() } }
        let list = parts.indices.map { i in
            sluice_document_part(name: names[i].map { UnsafePointer($0) }, document: documents[i].map { UnsafePointer($0) }, length: parts[i].1?.count ?? 0)
        }
        var options = sluice_emit_options()
        options.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
        options.event_time_ms = eventTime
        options.input_index = -1
        let status = list.withUnsafeBufferPointer { ctx.emit(parts: $0, &options) }
        guard let out = ctx.result(), out.count == 1 else { return (status, nil, nil) }
        return (status, out.withRecord(0) { d, _ in Array(d) }, out.eventTime(at: 0))
    }

    /// `{name: value, …}` written out by hand: each value a document or null.
    private func expected(_ parts: [(String, [UInt8]?)]) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in parts {
            body.append(value == nil ? 0x0A : 0x03)
            body += Array(name.utf8) + [0]
            body += value ?? []
        }
        let size = Int32(4 + body.count + 1)
        return withUnsafeBytes(of: size.littleEndian) { Array($0) } + body + [0]
    }

    func testTheAssembledDocumentIsTheNestedOneWithNullsForMissingParts() {
        let pair = emit([("order", doc(1)), ("payment", doc(-2))])
        XCTAssertEqual(pair.status, 0)
        XCTAssertEqual(pair.record, expected([("order", doc(1)), ("payment", doc(-2))]))
        XCTAssertEqual(pair.eventTime, 5)
        let outer = emit([("ordre été", nil), ("p", doc(3))])
        XCTAssertEqual(outer.record, expected([("ordre été", nil), ("p", doc(3))]), "a non-ASCII name is copied as its UTF-8")
        XCTAssertEqual(emit([("", [5, 0, 0, 0, 0])]).record, expected([("", [5, 0, 0, 0, 0])]), "an empty name and an empty document")
        XCTAssertEqual(emit([]).record, [5, 0, 0, 0, 0], "no parts: an empty document")
        XCTAssertTrue(emit([("a", doc(1)), ("b", nil), ("c", doc(2))]).record?.withUnsafeBytes { BSONDocument.isWellFormed($0) } ?? false)
    }

    func testPartsWithoutTheirFramingOrNameAreRefused() {
        var longer = doc(1)
        longer.append(0)
        var open = doc(1)
        open[open.count - 1] = 1
        let cases: [(String, [(String?, [UInt8]?)])] = [
            ("length prefix above the bytes given", [("a", Array(doc(1).dropLast()))]),
            ("length prefix below the bytes given", [("a", longer)]),
            ("no NUL at the end", [("a", open)]),
            ("shorter than an empty document", [("a", [4, 0, 0, 0])]),
            ("a NULL name", [("a", doc(1)), (nil, doc(2))]),
        ]
        for (what, parts) in cases {
            let result = emit(parts)
            XCTAssertEqual(result.status, -1, what)
            XCTAssertNil(result.record, what)
        }
    }
}
