@testable import SluiceCore
import XCTest

/// What a processor's `forward` and `emit` calls make of a call's default
/// output, without a plugin or threads: the records, in the order given.
final class CallContextTests: XCTestCase {
    /// `{"n": n}` as BSON.
    private func doc(_ n: Int32) -> [UInt8] {
        var bytes: [UInt8] = [12, 0, 0, 0, 0x10, UInt8(ascii: "n"), 0]
        withUnsafeBytes(of: n.littleEndian) { bytes += $0 }
        return bytes + [0]
    }

    private func input(_ count: Int) -> RecordBuffer {
        let records = RecordBuffer()
        for n in 0 ..< Int32(count) { records.append(doc(n), eventTime: 1000 + Int64(n), key: [UInt8(n)]) }
        return records
    }

    private func context(_ input: RecordBuffer) -> CallContext {
        CallContext(input: input, outputCount: 1, tickets: [], holds: HoldTable())
    }

    /// The `n` of every record of `records`, with its event time and key.
    private func contents(_ records: RecordBuffer?) -> [[Int64]] {
        guard let records else { return [] }
        return (0 ..< records.count).map { i in
            records.withRecord(i) { d, key in
                [Int64(d.loadUnaligned(fromByteOffset: 7, as: Int32.self)), records.eventTime(at: i) ?? -1, Int64(key?.first ?? 255)]
            }
        }
    }

    func testForwardingEveryRecordInOrderPassesTheInputOnAsItIs() {
        let records = input(4)
        let ctx = context(records)
        for i in 0 ..< 4 { XCTAssertEqual(ctx.forward(i), 0) }
        XCTAssertTrue(ctx.result() === records, "no copy, no selection")
    }

    func testForwardsOutOfOrderOrRepeatedAreKeptAsGiven() {
        let records = input(3)
        let reversed = context(records)
        for i in [2, 1, 0] { _ = reversed.forward(i) }
        XCTAssertEqual(contents(reversed.result()).map { $0[0] }, [2, 1, 0])

        let repeated = context(records)
        for i in [0, 1, 1] { _ = repeated.forward(i) }
        XCTAssertFalse(repeated.result() === records, "three forwards of a three-record batch, but not the batch")
        XCTAssertEqual(contents(repeated.result()), [[0, 1000, 0], [1, 1001, 1], [1, 1001, 1]])

        let prefix = context(records)
        for i in [0, 1] { _ = prefix.forward(i) }
        XCTAssertEqual(contents(prefix.result()).map { $0[0] }, [0, 1])
        XCTAssertEqual(prefix.result()?.byteCount, 24)
    }

    func testForwardsAndEmitsKeepTheirOrder() {
        let records = input(3)
        let ctx = context(records)
        _ = ctx.forward(0)
        _ = ctx.forward(1)
        XCTAssertEqual(doc(7).withUnsafeBytes { ctx.emit($0, nil) }, 0)
        _ = ctx.forward(2)
        XCTAssertEqual(contents(ctx.result()).map { $0[0] }, [0, 1, 7, 2])
        XCTAssertEqual(contents(ctx.result())[1], [1, 1001, 1], "a forwarded record keeps its event time and key")
        XCTAssertEqual(ctx.result()?.byteCount, 48)
    }

    /// A call that failed a record for good and then the whole call for now
    /// (the SDK fails every record retriably with the reason): the record
    /// stays failed for good; a retriable failure is still upgraded.
    func testARetriableFailureNeverReplacesAPermanentOne() {
        let ctx = context(input(3))
        ctx.fail(Failure(index: 1, retriable: false, reason: "bad record"))
        ctx.fail(Failure(index: 2, retriable: true, reason: "busy"))
        for i in 0 ..< 3 { ctx.fail(Failure(index: i, retriable: true, reason: "write failed: No space left on device")) }
        ctx.fail(Failure(index: 0, retriable: false, reason: "refused"))
        XCTAssertEqual(ctx.failures.map { "\($0.index) \($0.retriable) \($0.reason)" },
                       ["1 false bad record", "2 true write failed: No space left on device", "0 false refused"])
    }

    func testAForwardOutOfRangeIsRefused() {
        let ctx = context(input(2))
        XCTAssertEqual(ctx.forward(2), -1)
        XCTAssertEqual(ctx.forward(-1), -1)
        XCTAssertEqual(ctx.result()?.count, 0)
        XCTAssertEqual(CallContext(input: nil, outputCount: 1, tickets: [], holds: HoldTable()).forward(0), -1, "a tick has no input")
    }
}
