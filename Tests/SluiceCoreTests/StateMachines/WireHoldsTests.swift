@testable import SluiceCore
import XCTest

/// An isolated processor's held records, without a child: pins end only
/// when the child has ended every hold on a record, and a dead child's
/// records wait, pinned, for a replay into the next one.
final class WireHoldsTests: XCTestCase {
    typealias Holds = WireHolds<String, UInt>

    func testAPinEndsWithTheRecordsLastHold() {
        var holds = Holds()
        let a = holds.add(pin: 100, port: 0, split: 0, record: "a")
        XCTAssertTrue(holds.hold(1, record: a))
        XCTAssertTrue(holds.hold(2, record: a), "a record held twice")
        XCTAssertFalse(holds.hold(2, record: a), "a live handle is not taken again")
        XCTAssertFalse(holds.hold(3, record: 99), "no such record")
        XCTAssertEqual(holds.pin(of: 2), 100)
        XCTAssertNil(holds.pin(of: 3))
        XCTAssertTrue(holds.release(1) == (nil, true), "one hold left")
        XCTAssertTrue(holds.release(1) == (nil, false), "released twice")
        XCTAssertTrue(holds.release(2) == (100, true))
        XCTAssertEqual(holds.count, 0)
        XCTAssertFalse(holds.needsReplay)
    }

    /// The child dies holding b and c (a was released): both are replayed
    /// in the order first held, in runs of one port; the new child holds c
    /// again and not b, whose pin then ends.
    func testADeadChildsRecordsAreReplayedInOrderAndOnlyTheUnheldLeave() {
        var holds = Holds()
        let a = holds.add(pin: 10, port: 0, split: 0, record: "a")
        let b = holds.add(pin: 11, port: 1, split: 0, record: "b")
        let c = holds.add(pin: 12, port: 1, split: 0, record: "c")
        let d = holds.add(pin: 13, port: 0, split: 0, record: "d")
        for (handle, id) in [(1, a), (2, b), (3, c), (4, d)] { XCTAssertTrue(holds.hold(UInt64(handle), record: id)) }
        XCTAssertEqual(holds.release(1).pin, 10)
        holds.childDied()
        XCTAssertTrue(holds.needsReplay)
        XCTAssertNil(holds.pin(of: 2), "the dead child's handles mean nothing")
        XCTAssertTrue(holds.release(2) == (nil, false))
        let runs = holds.replay()
        XCTAssertEqual(runs.map(\.port), [1, 0])
        XCTAssertEqual(runs.map(\.records), [["b", "c"], ["d"]])
        XCTAssertEqual(runs.map(\.ids), [[b, c], [d]])
        XCTAssertEqual(holds.pins, [11, 12, 13])
        // The new child's handles may repeat the dead one's numbers.
        XCTAssertTrue(holds.hold(2, record: c))
        XCTAssertTrue(holds.hold(5, record: d))
        XCTAssertEqual(holds.release(5).pin, 13, "released during the replay")
        XCTAssertEqual(holds.replayed(), [11], "b was not held again")
        XCTAssertFalse(holds.needsReplay)
        XCTAssertEqual(holds.count, 1)
        XCTAssertEqual(holds.pin(of: 2), 12)
    }

    /// Revoked splits of a dead child's records are dropped instead of
    /// replayed; with a child running, the plugin is told instead.
    func testRevokedSplitsAreNotReplayed() {
        var holds = Holds()
        let a = holds.add(pin: 10, port: 0, split: 1, record: "a")
        let b = holds.add(pin: 11, port: 0, split: 2, record: "b")
        let c = holds.add(pin: 12, port: 1, split: 1, record: "c")
        for (handle, id) in [(1, a), (2, b), (3, c)] { XCTAssertTrue(holds.hold(UInt64(handle), record: id)) }
        XCTAssertEqual(holds.revoke([1], port: 0), [], "a running child drops them itself")
        holds.childDied()
        XCTAssertEqual(holds.revoke([1], port: 0), [10])
        XCTAssertEqual(holds.replay().map(\.records), [["b"], ["c"]])
        XCTAssertEqual(holds.revoke([2], port: 0) + holds.revoke([1], port: 1), [11, 12])
        XCTAssertFalse(holds.needsReplay, "nothing left to replay")
    }
}
