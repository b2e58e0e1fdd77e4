@testable import SluiceCore
import Synchronization
import XCTest

/// Holds as a processor takes them: a record straight from a source batch
/// pins its own token, an output listing the hold pins it again until that
/// output is written, and handles are checked, so a stale or foreign one
/// changes nothing.
final class HoldTableTests: XCTestCase {
    private final class Acks: Sendable {
        let log = Mutex<[[UInt64]]>([])
        var all: [[UInt64]] { log.withLock { $0 } }
    }

    private func batch(_ tokens: [UInt64], _ acks: Acks) -> Ticket {
        Ticket(tokens: tokens) { t, _ in acks.log.withLock { $0.append(t) } }
    }

    private func attach(_ ids: [UInt], _ table: HoldTable, to attached: inout HoldTable.Attached) -> Bool {
        let pointers = ids.map { OpaquePointer(bitPattern: $0) }
        return pointers.withUnsafeBufferPointer { table.attach($0, to: &attached) }
    }

    func testAHeldRecordIsAckedAfterItsReleaseAndAfterTheOutputListingIt() throws {
        let acks = Acks()
        let table = HoldTable()
        let t = batch([1, 2, 3], acks)
        let hold = try XCTUnwrap(table.pin(2, of: t, hint: 1))
        var attached = HoldTable.Attached()
        XCTAssertTrue(attach([hold, hold], table, to: &attached), "a pair of two rows of one record")
        XCTAssertEqual(attached.pins.count, 2)
        XCTAssertTrue(attached.tickets.isEmpty)
        let group = Ticket(pins: attached.pins)
        t.release()
        XCTAssertEqual(acks.all, [[1, 3]])
        XCTAssertTrue(table.release(hold))
        XCTAssertEqual(table.count, 0)
        XCTAssertEqual(acks.all, [[1, 3]], "the output listing the hold is not written yet")
        group.release()
        XCTAssertEqual(acks.all, [[1, 3], [2]])
    }

    func testAReleaseAfterTheOutputIsWrittenAcks() throws {
        let acks = Acks()
        let table = HoldTable()
        let t = batch([4], acks)
        let hold = try XCTUnwrap(table.pin(4, of: t, hint: 0))
        var attached = HoldTable.Attached()
        XCTAssertTrue(attach([hold], table, to: &attached))
        t.release()
        Ticket(pins: attached.pins).release()
        XCTAssertTrue(acks.all.isEmpty, "still held")
        XCTAssertTrue(table.release(hold))
        XCTAssertEqual(acks.all, [[4]])
    }

    func testStaleAndUnknownHandlesChangeNothing() throws {
        let acks = Acks()
        let table = HoldTable()
        let t = batch([1, 2], acks)
        let first = try XCTUnwrap(table.pin(1, of: t, hint: 0))
        XCTAssertTrue(table.release(first))
        XCTAssertFalse(table.release(first), "released twice")
        let second = try XCTUnwrap(table.pin(2, of: t, hint: 1))
        XCTAssertNotEqual(first, second, "the reused slot has a new generation")
        var attached = HoldTable.Attached()
        XCTAssertFalse(attach([second, first], table, to: &attached), "one stale id refuses the whole list")
        XCTAssertFalse(attach([12345], table, to: &attached))
        XCTAssertTrue(attached.pins.isEmpty, "nothing attached, nothing pinned")
        t.release()
        XCTAssertEqual(acks.all, [[1]])
        XCTAssertTrue(table.release(second))
        XCTAssertEqual(acks.all, [[1], [2]])
    }

    /// `release_many`: each hold of the list ends as its own release would,
    /// in order, so a repeat or a stale id in it is refused alone.
    func testReleasingManyEndsEachLiveHoldOnceAndCountsTheRest() throws {
        let acks = Acks()
        let table = HoldTable(journalsReleases: true)
        let t = batch([1, 2, 3], acks)
        let holds = try (0 ..< 3).map { try XCTUnwrap(table.pin(UInt64($0 + 1), of: t, hint: $0)) }
        let envelope = table.hold([batch([9], acks)])
        t.release()
        XCTAssertTrue(table.release(holds[1]))
        let list = [holds[2], holds[1], envelope, 0, holds[0], holds[2]].map { OpaquePointer(bitPattern: $0) }
        XCTAssertEqual(list.withUnsafeBufferPointer { table.release($0) }, 3, "holds[1] released before, NULL, holds[2] repeated")
        XCTAssertEqual(table.count, 0)
        XCTAssertEqual(table.takeReleased(), [holds[1], holds[2], envelope, holds[0]], "in the order they ended")
        XCTAssertEqual(acks.all, [[2], [3], [1]], "each pin ends when its hold does, outside a deferral scope")
    }

    func testAHoldOnSeveralBatchesRetainsEachOnceAndAttachesEachOnce() {
        let acks = Acks()
        let table = HoldTable()
        let a = batch([1], acks)
        let b = batch([2], acks)
        let hold = table.hold([a, b])
        var attached = HoldTable.Attached()
        XCTAssertTrue(attach([hold, hold], table, to: &attached))
        XCTAssertEqual(attached.tickets.count, 2, "each ticket once")
        a.release()
        b.release()
        XCTAssertTrue(table.release(hold))
        XCTAssertTrue(acks.all.isEmpty, "the output still carries both")
        for ticket in attached.tickets.values { ticket.release() }
        XCTAssertEqual(Set(acks.all), [[1], [2]])
    }

    func testPinsReleasedInsideADeferralScopeAreAckedOncePerBatchWhenTheLastScopeCloses() throws {
        let acks = Acks()
        let table = HoldTable()
        let a = batch([1, 2, 3], acks)
        let b = batch([7, 8], acks)
        let holds = try [table.pin(1, of: a, hint: 0), table.pin(7, of: b, hint: 0), table.pin(2, of: a, hint: 1), table.pin(8, of: b, hint: 1)]
            .map { try XCTUnwrap($0) }
        a.release()
        b.release()
        XCTAssertEqual(acks.all, [[3]])
        table.deferUnpins()
        table.deferUnpins()
        for hold in holds { XCTAssertTrue(table.release(hold)) }
        XCTAssertFalse(table.release(holds[0]), "the hold itself ended at once")
        XCTAssertEqual(table.count, 0)
        table.endDeferral()
        XCTAssertEqual(acks.all, [[3]], "an outer scope is still open")
        table.endDeferral()
        XCTAssertEqual(acks.all, [[3], [1, 2], [7, 8]], "one ack per batch, sides interleaved in the releases")
        let c = batch([9], acks)
        let late = try XCTUnwrap(table.pin(9, of: c, hint: 0))
        c.release()
        XCTAssertTrue(table.release(late))
        XCTAssertEqual(acks.all.last, [9], "outside a scope a release acks at once")
    }
}
