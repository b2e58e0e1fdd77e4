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

    func testAPinnedTokenIsAckedWhenItsPinEndsAndTheRestDoNotWaitForIt() throws {
        let acks = Acks()
        let t = batch([1, 2, 3], acks)
        let pin = try XCTUnwrap(t.pin(2))
        pin.retain()  // attached to an output on its way to a sink
        t.release()
        XCTAssertEqual(acks.all.map(\.tokens), [[1, 3]], "the batch is done but for its held record")
        XCTAssertEqual(acks.all.map(\.final), [false])
        pin.release()  // the output is written
        XCTAssertEqual(acks.all.count, 1, "still held")
        pin.release()  // the hold ends
        XCTAssertEqual(acks.all.map(\.tokens), [[1, 3], [2]])
        XCTAssertEqual(acks.all.map(\.final), [false, true], "the batch finishes once, with its last token")
    }

    func testAPinThatEndsBeforeTheBatchIsAckedWithIt() throws {
        let acks = Acks()
        let t = batch([1, 2], acks)
        try XCTUnwrap(t.pin(1)).release()
        XCTAssertTrue(acks.all.isEmpty)
        t.release()
        XCTAssertEqual(acks.all.map(\.tokens), [[1, 2]])
        XCTAssertEqual(acks.all.map(\.final), [true])
    }

    func testOnlyTheBatchesOwnTokensArePinned() throws {
        let acks = Acks()
        let t = batch([1, 2], acks)
        XCTAssertNil(t.pin(9), "a token of another batch")
        let pin = try XCTUnwrap(t.pin(1))
        XCTAssertNil(pin.pin(1), "a pin is not a batch")
        t.release()
        XCTAssertNil(t.pin(2), "a finished batch")
        pin.release()
        XCTAssertEqual(acks.all.map(\.tokens), [[2], [1]])
    }
}
