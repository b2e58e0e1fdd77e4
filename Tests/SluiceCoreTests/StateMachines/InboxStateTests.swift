@testable import SluiceCore
import XCTest

/// `InboxState` without threads: order, capacity, and who is woken by a
/// push or a pop (a thread is woken only when one is parked for it).
final class InboxStateTests: XCTestCase {
    func testElementsComeOutInOrderAcrossTheRingsEnd() {
        var state = InboxState<Int>(capacity: 3)
        var out: [Int] = []
        for n in 0 ..< 10 {
            _ = state.push(n)
            if n % 2 == 1 { out.append(state.pop()!.element); out.append(state.pop()!.element) }
        }
        XCTAssertEqual(out, Array(0 ..< 10))
        XCTAssertTrue(state.isEmpty)
        XCTAssertNil(state.pop(), "empty: nothing to take")
    }

    func testFullAtCapacityAndControlMessagesGoBeyondItInOrder() {
        var state = InboxState<Int>(capacity: 2)
        _ = state.push(1)
        XCTAssertFalse(state.isFull)
        _ = state.push(2)
        XCTAssertTrue(state.isFull, "pushes wait from here")
        _ = state.push(3)
        _ = state.push(4)
        XCTAssertEqual(state.count, 4, "pushed past the capacity (an end or a revocation)")
        XCTAssertEqual((0 ..< 4).map { _ in state.pop()!.element }, [1, 2, 3, 4])
    }

    func testAPushWakesOnlyAParkedConsumer() {
        var state = InboxState<Int>(capacity: 4)
        XCTAssertFalse(state.push(1), "nobody waits: no wake-up")
        _ = state.pop()
        state.consumerParks()
        XCTAssertTrue(state.push(2), "the consumer found it empty and sleeps")
        state.consumerWakes()
        XCTAssertFalse(state.push(3), "awake again: the next push wakes nobody")
    }

    func testAPopWakesAParkedProducerOnlyWhenItFreesRoom() {
        var state = InboxState<Int>(capacity: 2)
        _ = state.push(1)
        _ = state.push(2)
        XCTAssertEqual(state.pop()?.wakeProducer, false, "nobody waits for room")
        _ = state.push(3)
        _ = state.push(4)
        _ = state.push(5)
        state.producerParks()
        XCTAssertEqual(state.pop()?.wakeProducer, false, "3 left: still full (control messages went beyond the capacity)")
        XCTAssertEqual(state.pop()?.wakeProducer, false, "2 left: still full")
        XCTAssertEqual(state.pop()?.wakeProducer, true, "below the capacity: the parked producer can push")
        state.producerWakes()
        XCTAssertEqual(state.pop()?.wakeProducer, false)
        XCTAssertEqual(state.parkedProducers, 0)
    }

    func testATakenElementIsReleasedAtOnce() {
        final class Batch {}
        var state = InboxState<Batch>(capacity: 4)
        weak var gone: Batch?
        do {
            let batch = Batch()
            gone = batch
            _ = state.push(batch)
        }
        XCTAssertNotNil(gone)
        _ = state.pop()
        XCTAssertNil(gone, "the queue keeps no reference to what it handed out")
    }
}
