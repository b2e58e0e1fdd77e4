import CSluicePlugin
import Metrics
@testable import SluiceCore
import XCTest

/// The C batch a `RecordBuffer` gives a plugin, before and after `seal`:
/// the same keys either way, and once sealed the same metadata every call.
final class RecordBufferTests: XCTestCase {
    /// `{"n": n}` as BSON.
    private func doc(_ n: Int32) -> [UInt8] {
        var bytes: [UInt8] = [12, 0, 0, 0, 0x10, UInt8(ascii: "n"), 0]
        withUnsafeBytes(of: n.littleEndian) { bytes += $0 }
        return bytes + [0]
    }

    /// Records 0..<count; the even ones keyed "k<n>", the odd ones without a key.
    private func records(_ count: Int) -> RecordBuffer {
        let records = RecordBuffer()
        for n in 0 ..< Int32(count) {
            records.append(doc(n), eventTime: Int64(n), key: n % 2 == 0 ? Array("k\(n)".utf8) : nil)
        }
        return records
    }

    /// Each record's key as the plugin reads it through the batch (nil for a NULL key).
    private func keys(_ records: RecordBuffer) -> [String?] {
        records.withBatch { b in
            (0 ..< b.pointee.count).map { i in
                let m = (UnsafeRawPointer(b.pointee.meta!) + i * Int(b.pointee.meta_stride)).assumingMemoryBound(to: sluice_record_meta.self).pointee
                return m.key.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(m.key_length)), as: UTF8.self) }
            }
        }
    }

    private func metaAddress(_ records: RecordBuffer) -> UnsafeRawPointer? {
        records.withBatch { UnsafeRawPointer($0.pointee.meta) }
    }

    func testSealingKeepsTheKeysAPluginReads() {
        let buffer = records(5)
        let expected: [String?] = ["k0", nil, "k2", nil, "k4"]
        XCTAssertEqual(keys(buffer), expected)
        buffer.seal()
        XCTAssertEqual(keys(buffer), expected)
        buffer.seal()
        XCTAssertEqual(keys(buffer), expected, "a second seal (a fan-out's next edge) changes nothing")
    }

    /// Each record's key as the host reads it (`withRecord`).
    private func hostKeys(_ records: RecordBuffer) -> [String?] {
        (0 ..< records.count).map { i in records.withRecord(i) { _, key in key.map { String(decoding: $0, as: UTF8.self) } } }
    }

    /// The host reads a record's key (`withRecord`) from the sealed key
    /// pointers once they are set, and from the keys as appended before.
    func testTheHostReadsTheSameKeysSealedOrNot() {
        let buffer = records(5)
        let expected: [String?] = ["k0", nil, "k2", nil, "k4"]
        XCTAssertEqual(hostKeys(buffer), expected)
        XCTAssertEqual(hostKeys(RecordBuffer(selecting: [4, 1], from: buffer)), ["k4", nil])
        buffer.seal()
        XCTAssertEqual(hostKeys(buffer), expected)
        XCTAssertEqual(hostKeys(RecordBuffer(selecting: [2, 1, 0], from: buffer)), ["k2", nil, "k0"])
    }

    /// A buffer notes key positions only from its first keyed record on:
    /// the records before it, and every record of a keyless buffer, have none.
    func testRecordsBeforeTheFirstKeyAndInAKeylessBufferHaveNone() {
        let buffer = RecordBuffer()
        for n in 0 ..< 4 { buffer.append(doc(Int32(n)), key: n == 2 ? Array("k2".utf8) : nil) }
        let expected: [String?] = [nil, nil, "k2", nil]
        XCTAssertEqual(keys(buffer), expected)
        XCTAssertEqual(hostKeys(buffer), expected)
        XCTAssertEqual(keys(RecordBuffer(selecting: [3, 2, 0], from: buffer)), [nil, "k2", nil])
        buffer.seal()
        XCTAssertEqual(keys(buffer), expected)
        XCTAssertEqual(hostKeys(buffer), expected)

        let keyless = RecordBuffer(capacity: 2)
        keyless.append(doc(0))
        keyless.append(doc(1))
        XCTAssertEqual(hostKeys(keyless), [nil, nil])
        XCTAssertEqual(hostKeys(RecordBuffer(selecting: [1, 1], from: keyless)), [nil, nil])
        keyless.seal()
        XCTAssertEqual(keys(keyless), [nil, nil])
    }

    func testASealedBatchIsGivenWithoutCopyingItsMetadata() {
        let buffer = records(4)
        buffer.seal()
        XCTAssertEqual(metaAddress(buffer), metaAddress(buffer), "every call reads the buffer's own metadata")
    }

    func testASelectionOfASealedBufferKeepsItsKeysAfterTheBufferIsGone() {
        var parent: RecordBuffer? = records(6)
        parent!.seal()
        let selection = RecordBuffer(selecting: [4, 1, 0], from: parent!)
        weak let gone = parent
        parent = nil
        XCTAssertNil(gone)
        XCTAssertEqual(keys(selection), ["k4", nil, "k0"])
        XCTAssertEqual(metaAddress(selection), metaAddress(selection), "sealed like the buffer it was selected from")
    }

    func testAnUnsealedSelectionReadsItsKeysLikeItsParent() {
        let parent = records(3)
        XCTAssertEqual(keys(RecordBuffer(selecting: [2, 0], from: parent)), ["k2", "k0"])
    }

    func testAWorkerGroupSealsWhatItQueues() {
        let buffer = records(2)
        let metrics = StageMetrics(name: "c", role: .processor, labels: [], factory: NOOPMetricsHandler.instance, endToEnd: nil)
        let stage = Stage(name: "c", metrics: metrics, settings: EngineSettings(), control: EngineControl(maxRecords: nil), logger: .init(label: "t"))
        let group = WorkerGroup(name: "c", metrics: stage.metrics, workers: [stage], spread: .roundRobin)
        _ = group.push(buffer, tickets: [], port: 0)
        XCTAssertEqual(metaAddress(buffer), metaAddress(buffer))
        XCTAssertEqual(keys(buffer), ["k0", nil])
    }
}
