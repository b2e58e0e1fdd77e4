import Foundation
@testable import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The disk buffer's log on a real folder: what is appended reads back in
/// order after a reopen, the cursor survives a reopen, a torn last frame is
/// cut off, a corrupt frame is never handed out, and a full buffer blocks.
final class DiskBufferTests: XCTestCase {
    var dir = ""

    override func setUp() {
        dir = TestSupport.tempDir("disk-buffer")
    }

    func batch(_ ids: Range<Int>, key: Bool = true) -> RecordBuffer {
        let records = RecordBuffer()
        for id in ids {
            var w = BSONWriter()
            w.append("id", int64: Int64(id))
            records.append(w.finish(), eventTime: Int64(id) * 1000, key: key ? Array("k\(id)".utf8) : nil)
        }
        return records
    }

    func ids(_ records: RecordBuffer) -> [Int] {
        (0 ..< records.count).map { i in records.withRecord(i) { doc, _ in Int(BSONDocument(doc)["id"]!.integer!) } }
    }

    func testFramesReadBackInOrderWithTheirMetadataAfterAReopen() throws {
        do {
            let log = try SegmentLog(directory: dir, segmentBytes: 4096)
            for n in 0 ..< 50 { try log.append(BufferFrame.encode(batch(n * 10 ..< n * 10 + 10, key: n % 2 == 0), port: n % 3)) }
        }
        let log = try SegmentLog(directory: dir, segmentBytes: 4096)
        XCTAssertEqual(log.recovery.frames, 50)
        XCTAssertEqual(log.recovery.tornBytes, 0)
        var seen: [Int] = []
        var frames = 0
        while let (records, port, next) = try log.readFrame() {
            XCTAssertEqual(port, frames % 3)
            XCTAssertEqual(records.eventTime(at: 0), Int64(frames * 10) * 1000)
            records.withRecord(0) { _, key in XCTAssertEqual(key.map { Array($0) }, frames % 2 == 0 ? Array("k\(frames * 10)".utf8) : nil) }
            seen += ids(records)
            try log.advance(to: next)
            frames += 1
        }
        XCTAssertEqual(seen, Array(0 ..< 500))
        XCTAssertEqual(log.pendingBytes, 0)
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".log") }
        XCTAssertEqual(segments.count, 1, "segments passed by the cursor are deleted: \(segments)")
    }

    func testTheCursorSurvivesAReopen() throws {
        do {
            let log = try SegmentLog(directory: dir, segmentBytes: 1 << 20)
            for n in 0 ..< 4 { try log.append(BufferFrame.encode(batch(n * 5 ..< n * 5 + 5), port: 0)) }
            let (_, _, next) = try XCTUnwrap(log.readFrame())
            try log.advance(to: next)
        }
        let log = try SegmentLog(directory: dir, segmentBytes: 1 << 20)
        XCTAssertEqual(log.recovery.frames, 3)
        let (records, _, _) = try XCTUnwrap(log.readFrame())
        XCTAssertEqual(ids(records), Array(5 ..< 10))
    }

    func testATornLastFrameIsCutOffAndAppendsGoOn() throws {
        do {
            let log = try SegmentLog(directory: dir, segmentBytes: 1 << 20)
            try log.append(BufferFrame.encode(batch(0 ..< 3), port: 0))
        }
        // A crash in the middle of the second append: half a frame on disk.
        let torn = BufferFrame.encode(batch(3 ..< 6), port: 0)
        let segment = dir + "/00000000000000000001.log"
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: torn.prefix(torn.count / 2))
        try handle.close()
        let log = try SegmentLog(directory: dir, segmentBytes: 1 << 20)
        XCTAssertEqual(log.recovery.frames, 1)
        XCTAssertEqual(log.recovery.tornBytes, torn.count / 2)
        try log.append(BufferFrame.encode(batch(6 ..< 9), port: 0))
        var seen: [Int] = []
        while let (records, _, next) = try log.readFrame() {
            seen += ids(records)
            try log.advance(to: next)
        }
        XCTAssertEqual(seen, [0, 1, 2, 6, 7, 8])
    }

    func testAFlippedByteFailsTheChecksum() throws {
        var frame = BufferFrame.encode(batch(0 ..< 4), port: 0)
        let header = try XCTUnwrap(frame.withUnsafeBytes(BufferFrame.header))
        frame[frame.count - 3] ^= 0x40
        let decoded = frame.withUnsafeBytes { BufferFrame.decode(UnsafeRawBufferPointer(rebasing: $0[BufferFrame.headerSize...]), header: header) }
        XCTAssertNil(decoded)
    }

    func testAFullBufferBlocksTheIntakeUntilTheWriterMakesRoom() throws {
        // Records without keys, so every frame has the same size.
        let frame = BufferFrame.encode(batch(0 ..< 10, key: false), port: 0)
        let queue = DurableQueue(log: try SegmentLog(directory: dir, segmentBytes: 1 << 20), maxBytes: frame.count * 2)
        _ = try queue.append(batch(0 ..< 10, key: false), port: 0)
        _ = try queue.append(batch(10 ..< 20, key: false), port: 0)
        let third = DispatchSemaphore(value: 0)
        let thirdBatch = batch(20 ..< 30, key: false)
        DispatchQueue.global().async {
            _ = try? queue.append(thirdBatch, port: 0)
            third.signal()
        }
        XCTAssertEqual(third.wait(timeout: .now() + 0.3), .timedOut, "a full buffer took a third batch")
        guard case let .frame(records, _, next) = try queue.next(timeout: 1) else { return XCTFail("no frame") }
        XCTAssertEqual(ids(records), Array(0 ..< 10))
        try queue.written(upTo: next)
        XCTAssertEqual(third.wait(timeout: .now() + 5), .success, "room was made but the intake stayed blocked")
        queue.close()
        var rest: [Int] = []
        while case let .frame(records, _, next) = try queue.next(timeout: 1) {
            rest += ids(records)
            try queue.written(upTo: next)
        }
        XCTAssertEqual(rest, Array(10 ..< 30))
        guard case .finished = try queue.next(timeout: 0.1) else { return XCTFail("a closed, empty queue is finished") }
    }
}
