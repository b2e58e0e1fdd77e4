import CSluicePlugin
@testable import SluiceCore
import XCTest

/// A `RecordBuffer`'s documents in `RecordBytes`: appended past any
/// reservation, read back unchanged, and kept by the selections made from it.
final class RecordBytesTests: XCTestCase {
    /// A document of `size` bytes (a binary field) whose payload bytes are `n`.
    private func doc(_ n: UInt8, size: Int) -> [UInt8] {
        let payload = size - 4 - 1 - 2 - 4 - 1 - 1
        var bytes: [UInt8] = []
        withUnsafeBytes(of: Int32(size).littleEndian) { bytes += $0 }
        bytes += [0x05, UInt8(ascii: "b"), 0]
        withUnsafeBytes(of: Int32(payload).littleEndian) { bytes += $0 }
        bytes += [0] + [UInt8](repeating: n, count: payload) + [0]
        return bytes
    }

    func testDocumentsOfEverySizeComeBackAsAppendedWhileTheBytesGrow() {
        let buffer = RecordBuffer(capacity: 2, bytesPerRecord: 16)
        let docs = (0 ..< 300).map { doc(UInt8($0 % 251), size: 13 + ($0 * 37) % 900) }
        for d in docs { buffer.append(d) }
        XCTAssertEqual(buffer.byteCount, docs.reduce(0) { $0 + $1.count })
        for (i, d) in docs.enumerated() {
            buffer.withRecord(i) { bytes, _ in XCTAssertEqual(Array(bytes), d, "record \(i)") }
        }
        buffer.withBatch { batch in
            XCTAssertEqual(batch.pointee.count, docs.count)
            XCTAssertEqual(batch.pointee.data_length, buffer.byteCount)
            let last = (UnsafeRawPointer(batch.pointee.meta!) + (docs.count - 1) * Int(batch.pointee.meta_stride))
                .assumingMemoryBound(to: sluice_record_meta.self).pointee
            let bytes = UnsafeBufferPointer(start: batch.pointee.data! + Int(last.offset), count: Int(last.length))
            XCTAssertEqual(Array(bytes), docs.last)
        }
    }

    func testASelectionKeepsItsParentsBytesAfterTheParentIsGone() {
        var parent: RecordBuffer? = RecordBuffer()
        for n in 0 ..< 5 { parent!.append(doc(UInt8(n), size: 40)) }
        let selection = RecordBuffer(selecting: [3, 1], from: parent!)
        parent = nil
        XCTAssertEqual(selection.byteCount, 80)
        selection.withRecord(0) { bytes, _ in XCTAssertEqual(Array(bytes), doc(3, size: 40)) }
        selection.withRecord(1) { bytes, _ in XCTAssertEqual(Array(bytes), doc(1, size: 40)) }
    }

    func testAnEmptyBufferGivesAnEmptyBatch() {
        RecordBuffer().withBatch { batch in
            XCTAssertEqual(batch.pointee.count, 0)
            XCTAssertEqual(batch.pointee.data_length, 0)
        }
    }
}
