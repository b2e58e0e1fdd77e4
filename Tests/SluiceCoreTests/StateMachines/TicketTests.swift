@testable import SluiceCore
import Synchronization
import XCTest

/// Acks per record: a held record's token is pinned and acked on its own,
/// the rest of its batch without waiting for it, and the batch counts as
/// finished once, with its last token.
final class TicketTests: XCTestCase {
    private final class Acks: Sendable {
        let log = Mutex<[(tokens: [UInt64], final: Bool)]>([])
        var all: [(tokens: [UInt64], final: Bool)] { log.withLock { $0 } }
    }

    private func batch(_ tokens: [UInt64], _ acks: Acks) -> Ticket {
        Ticket(tokens: tokens) { t, final in acks.log.withLock { $0.append((t, final)) } }
    }

    func testABatchWithoutPinsIsAckedWholeOnce() {
        let acks = Acks()
        let t = batch([1, 2, 3], acks)
        t.retain()
        t.release()
        XCTAssertTrue(acks.all.isEmpty)
        t.release()
        XCTAssertEqual(acks.all.map(\.tokens), [[1, 2, 3]])
        XCTAssertEqual(acks.all.map(\.final), [true])
    }

    func testAPinnedTokenIsAckedWhenItsLastPinEndsAndTheRestDoNotWaitForIt() throws {
        let acks = Acks()
        let t = batch([1, 2, 3], acks)
        let position = try XCTUnwrap(t.pin(2, hint: 1))
        XCTAssertEqual(position, 1)
        t.repin(position)  // an output listing the hold, on its way to a sink
        t.release()
        XCTAssertEqual(acks.all.map(\.tokens), [[1, 3]], "the batch is done but for its held record")
        XCTAssertEqual(acks.all.map(\.final), [false])
        t.unpin(position)  // the output is written
        XCTAssertEqual(acks.all.count, 1, "still held")
        t.unpin(position)  // the hold ends
        XCTAssertEqual(acks.all.map(\.tokens), [[1, 3], [2]])
        XCTAssertEqual(acks.all.map(\.final), [false, true], "the batch finishes once, with its last token")
    }

    func testAPinThatEndsBeforeTheBatchIsAckedWithIt() throws {
        let acks = Acks()
        let t = batch([1, 2], acks)
        t.unpin(try XCTUnwrap(t.pin(1, hint: 0)))
        XCTAssertTrue(acks.all.isEmpty)
        t.release()
        XCTAssertEqual(acks.all.map(\.tokens), [[1, 2]])
        XCTAssertEqual(acks.all.map(\.final), [true])
    }

    func testOnlyTheBatchesOwnTokensArePinned() throws {
        let acks = Acks()
        let t = batch([1, 2], acks)
        XCTAssertNil(t.pin(9, hint: 0), "a token of another batch")
        let position = try XCTUnwrap(t.pin(1, hint: 0))
        let group = Ticket(pins: [Ticket.Pin(batch: t, position: position)])
        XCTAssertNil(group.pin(1, hint: 0), "a pin group is not a batch")
        t.repin(position)
        t.release()
        XCTAssertNil(t.pin(2, hint: 1), "a finished batch")
        t.unpin(position)
        group.release()
        XCTAssertEqual(acks.all.map(\.tokens), [[2], [1]])
    }

    func testATokenIsFoundWhereverItsRecordWentInTheBatch() throws {
        let acks = Acks()
        let sorted = batch([10, 20, 30, 40], acks)
        XCTAssertEqual(sorted.pin(30, hint: 0), 2, "a wrong hint: the record reached the processor in a part of its batch")
        XCTAssertEqual(sorted.pin(40, hint: 99), 3)
        XCTAssertNil(sorted.pin(25, hint: 1))
        let unsorted = batch([7, 3, 9, 3], acks)
        XCTAssertEqual(unsorted.pin(9, hint: 0), 2)
        XCTAssertEqual(unsorted.pin(3, hint: 3), 1, "a token that occurs twice is pinned at its first position")
    }

    func testATokenThatOccursTwiceIsAckedOnceItsPinEnds() throws {
        let acks = Acks()
        let t = batch([5, 6, 5], acks)
        let position = try XCTUnwrap(t.pin(5, hint: 2))
        t.release()
        XCTAssertEqual(acks.all.map(\.tokens), [[6]], "neither occurrence is acked while the token is held")
        t.unpin(position)
        XCTAssertEqual(acks.all.map(\.tokens), [[6], [5]])
        XCTAssertEqual(acks.all.map(\.final), [false, true])
    }

    func testAPinGroupEndsItsPinsWithOneAckPerBatch() throws {
        let acksA = Acks()
        let acksB = Acks()
        let a = batch([1, 2, 3], acksA)
        let b = batch([8, 9], acksB)
        let pins = try [(a, 1 as UInt64, 0), (a, 3, 2), (b, 9, 1), (a, 2, 1)].map { batch, token, hint in
            let position = try XCTUnwrap(batch.pin(token, hint: hint))
            batch.repin(position)  // the group's own pin; the first is the hold's
            return Ticket.Pin(batch: batch, position: position)
        }
        let group = Ticket(pins: pins)
        for pin in pins { pin.batch.unpin(pin.position) }  // every hold ends; the group still pins
        a.release()
        b.release()
        XCTAssertTrue(acksA.all.isEmpty, "every token of a is pinned")
        XCTAssertEqual(acksB.all.map(\.tokens), [[8]])
        group.retain()  // dispatched to a second consumer
        group.release()
        XCTAssertEqual(acksA.all.count, 0, "one consumer has not written them yet")
        group.release()
        XCTAssertEqual(acksA.all.map(\.tokens), [[1, 3, 2]], "one ack for a's pins, though b's pin comes between them")
        XCTAssertEqual(acksA.all.map(\.final), [true])
        XCTAssertEqual(acksB.all.map(\.tokens), [[8], [9]])
        XCTAssertEqual(acksB.all.map(\.final), [false, true])
    }
}
