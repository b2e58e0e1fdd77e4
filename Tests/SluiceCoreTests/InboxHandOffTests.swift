import Dispatch
@testable import SluiceCore
import XCTest

/// `BoundedQueue` between real threads: nothing lost or reordered, a full
/// queue blocks its producer until a pop frees room, and a timed pop returns.
final class InboxHandOffTests: XCTestCase {
    func testAProducerAndAConsumerOnTwoThreadsHandOverEveryElementInOrder() {
        let queue = BoundedQueue<Int>(capacity: 2)
        let count = 20000
        DispatchQueue.global().async {
            for n in 0 ..< count { queue.push(n) }
        }
        var received: [Int] = []
        while received.count < count, let n = queue.pop(timeout: 5) { received.append(n) }
        XCTAssertEqual(received, Array(0 ..< count))
    }

    func testAFullQueueBlocksItsProducerUntilAPop() {
        let queue = BoundedQueue<Int>(capacity: 1)
        queue.push(1)
        let blocked = BoundedQueue<UInt64>(capacity: 1)
        DispatchQueue.global().async { blocked.push(queue.push(2)) }
        XCTAssertNil(blocked.pop(timeout: 0.2), "a full queue took a second element")
        XCTAssertEqual(queue.count, 1)
        XCTAssertEqual(queue.pop(timeout: 1), 1)
        guard let waited = blocked.pop(timeout: 5) else { return XCTFail("room was made but the producer stayed blocked") }
        XCTAssertGreaterThan(waited, 100_000_000, "it reports that it blocked for about 0.2 s")
        XCTAssertEqual(queue.pop(timeout: 1), 2)
    }

    func testATimedPopOnAnEmptyQueueReturnsNilAfterItsTimeout() {
        let queue = BoundedQueue<Int>(capacity: 1)
        let started = Clock.monotonicNanos()
        XCTAssertNil(queue.pop(timeout: 0.1))
        let took = Clock.monotonicNanos() - started
        XCTAssertGreaterThanOrEqual(took, 100_000_000)
        XCTAssertLessThan(took, 3_000_000_000)
    }

    func testAPushWakesAConsumerParkedInATimedPop() {
        let queue = BoundedQueue<Int>(capacity: 1)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { queue.push(7) }
        let started = Clock.monotonicNanos()
        XCTAssertEqual(queue.pop(timeout: 10), 7)
        XCTAssertLessThan(Clock.monotonicNanos() - started, 5_000_000_000, "woken by the push, not by the timeout")
    }
}
