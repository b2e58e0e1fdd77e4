@testable import SluiceCore
import XCTest

/// `InputAlignment` and `PortedInboxState` without threads: which port a
/// stage with several inputs takes from, how long it holds back an input
/// that is ahead, each port's order and capacity, and who is woken.
final class InputAlignmentTests: XCTestCase {
    private typealias Head = InputAlignment.Head
    private let hold: UInt64 = 100_000_000

    /// A batch whose records all have event time `time` (or none).
    private func batch(_ time: Int64?, _ sequence: UInt64) -> Head { span(time, time, sequence) }

    private func span(_ earliest: Int64?, _ latest: Int64?, _ sequence: UInt64) -> Head {
        Head(kind: .batch(earliest: earliest, latest: latest), sequence: sequence)
    }

    /// Two ports, each fed by one edge.
    private func twoInputs() -> InputAlignment {
        var alignment = InputAlignment(ports: 2, maxHoldNanos: hold)
        alignment.addEdge(port: 0)
        alignment.addEdge(port: 1)
        return alignment
    }

    func testTheBatchEarliestInEventTimeIsTakenWhateverArrivedFirst() {
        var a = twoInputs()
        XCTAssertEqual(a.next([batch(5000, 0), batch(1000, 1)], now: 0), .take(port: 1))
        XCTAssertEqual(a.next([batch(1000, 3), batch(5000, 2)], now: 0), .take(port: 0))
        var three = InputAlignment(ports: 3, maxHoldNanos: hold)
        XCTAssertEqual(three.next([batch(7, 9), batch(7, 4), batch(8, 1)], now: 0), .take(port: 1), "equal times: the first to arrive")
    }

    func testControlMessagesGoFirstInTheirArrivalOrder() {
        var a = twoInputs()
        XCTAssertEqual(a.next([batch(1, 0), Head(kind: .end, sequence: 5)], now: 0), .take(port: 1))
        XCTAssertEqual(a.next([Head(kind: .revocation, sequence: 6), Head(kind: .end, sequence: 5)], now: 0), .take(port: 1))
        XCTAssertEqual(a.next([nil, nil], now: 0), .empty)
    }

    func testABatchWithoutEventTimeMeansArrivalOrderAndNoHold() {
        var a = twoInputs()
        XCTAssertEqual(a.next([batch(nil, 2), batch(1000, 1)], now: 0), .take(port: 1))
        XCTAssertEqual(a.next([batch(nil, 1), batch(1000, 2)], now: 0), .take(port: 0), "no common key: as one queue would")
        a.took(batch(nil, 1), port: 0)
        a.took(batch(1000, 2), port: 1)
        XCTAssertEqual(a.next([nil, batch(9000, 3)], now: 0), .take(port: 1), "port 0 has no event time to be behind in")
    }

    func testAnInputAheadOfAnEmptyOneIsHeldBackForAWhileThenFlows() {
        var a = twoInputs()
        XCTAssertEqual(a.next([nil, span(0, 400, 0)], now: 0), .hold(until: hold), "port 0 has sent nothing yet: it may start behind")
        XCTAssertEqual(a.next([span(0, 400, 1), span(0, 400, 0)], now: 5), .take(port: 1))
        a.took(span(0, 400, 0), port: 1)
        XCTAssertEqual(a.next([span(0, 400, 1), nil], now: 5), .take(port: 0))
        a.took(span(0, 400, 1), port: 0)
        // Port 1's source reads faster: its next batch arrives while port 0 is empty.
        XCTAssertEqual(a.next([nil, span(401, 800, 2)], now: 10), .hold(until: 10 + hold))
        XCTAssertEqual(a.next([nil, span(401, 800, 2)], now: 50), .hold(until: 10 + hold), "the hold runs from its start")
        XCTAssertEqual(a.next([span(401, 800, 3), span(401, 800, 2)], now: 60), .take(port: 1), "port 0 sent: both taken by time")
        a.took(span(401, 800, 2), port: 1)
        XCTAssertEqual(a.next([span(401, 800, 3), nil], now: 61), .take(port: 0), "port 0 is behind: never held")
        a.took(span(401, 800, 3), port: 0)
        XCTAssertEqual(a.next([nil, span(801, 1200, 4)], now: 70), .hold(until: 70 + hold), "a new hold")
        XCTAssertEqual(a.next([nil, span(801, 1200, 4)], now: 70 + hold), .take(port: 1), "port 0 is quiet: the hold expired")
        a.took(span(801, 1200, 4), port: 1)
        XCTAssertEqual(a.next([nil, span(1201, 1600, 5)], now: 71 + hold), .take(port: 1), "and port 1 flows while port 0 stays quiet")
    }

    /// An input behind that keeps sending, each batch still behind, does not
    /// hold the input ahead for longer than one hold in all.
    func testAnInputBehindThatTricklesHoldsABatchOnlyOnce() {
        var a = twoInputs()
        let ahead = batch(60_000, 0)
        a.took(batch(0, 100), port: 0)
        a.took(batch(0, 101), port: 1)
        var now: UInt64 = 0
        var sequence: UInt64 = 1
        var taken: UInt64?
        while now < 3_000_000_000, taken == nil {
            // Port 1 sends a batch every 50 ms, 1 ms later in event time each.
            if now % 50_000_000 == 0 {
                let trickle = batch(Int64(now / 1_000_000), sequence)
                sequence += 1
                XCTAssertEqual(a.next([ahead, trickle], now: now), .take(port: 1))
                a.took(trickle, port: 1)
            }
            if case .take(port: 0) = a.next([ahead, nil], now: now) { taken = now }
            now += 10_000_000
        }
        XCTAssertNotNil(taken, "the batch ahead was held for 3 s")
        XCTAssertLessThanOrEqual(taken ?? .max, hold, "held longer than one hold")
    }

    /// A worker has room for a batch only on that batch's port: a round-robin
    /// spread asks per port, since another port's room is no use to it.
    func testAPortedQueueHasRoomPerPort() {
        let queue = PortedQueue(ports: 2, capacity: 4, maxHoldMillis: 0)
        queue.addEdge(port: 0)
        queue.addEdge(port: 1)
        for _ in 0 ..< 2 { _ = queue.push(.end, port: 0) }
        XCTAssertEqual(queue.count, 2)
        XCTAssertLessThan(queue.count, queue.capacity, "room over all ports")
        XCTAssertFalse(queue.hasRoom(port: 0))
        XCTAssertTrue(queue.hasRoom(port: 1))
    }

    func testNoHoldWhenTheEngineTurnedItOff() {
        var a = InputAlignment(ports: 2, maxHoldNanos: 0)
        a.addEdge(port: 0)
        a.addEdge(port: 1)
        a.took(span(0, 400, 0), port: 0)
        a.took(span(0, 400, 1), port: 1)
        XCTAssertEqual(a.next([nil, span(401, 800, 2)], now: 0), .take(port: 1), "one component feeds both ports: never wait")
    }

    func testAnInputIsNotHeldForOneThatEndedOrIsAhead() {
        var a = twoInputs()
        a.took(span(0, 400, 0), port: 0)
        a.took(span(0, 400, 1), port: 1)
        a.took(Head(kind: .end, sequence: 2), port: 0)
        XCTAssertEqual(a.next([nil, span(401, 800, 3)], now: 0), .take(port: 1), "port 0 ended")
        var b = twoInputs()
        b.took(span(0, 900, 0), port: 0)
        XCTAssertEqual(b.next([nil, span(401, 800, 1)], now: 0), .take(port: 1), "port 0 is further on than this batch")
    }

    func testEachPortKeepsItsOrderWhileThePortsInterleaveByEventTime() {
        var state = PortedInboxState<String>(ports: 2, capacity: 4, maxHoldNanos: 0)
        // Port 1's source reads faster: all of its batches arrive first, further ahead in event time.
        for (i, time) in [3000, 4000, 5000].enumerated() { _ = state.push("right \(i)", port: 1, kind: .batch(earliest: Int64(time), latest: Int64(time))) }
        for (i, time) in [1000, 2000, 3500, 6000].enumerated() { _ = state.push("left \(i)", port: 0, kind: .batch(earliest: Int64(time), latest: Int64(time))) }
        _ = state.push("end right", port: 1, kind: .end)
        var out: [String] = []
        while case let .element(element, _, _) = state.pop(now: 0) { out.append(element) }
        XCTAssertEqual(out, ["left 0", "left 1", "right 0", "left 2", "right 1", "right 2", "end right", "left 3"],
                       "the end of port 1 comes after its batches, and before a batch of port 0 that waits")
        XCTAssertTrue(state.isEmpty)
    }

    func testAFullPortBlocksOnlyItsOwnProducersAndAPopThereWakesOne() {
        var state = PortedInboxState<Int>(ports: 2, capacity: 2, maxHoldNanos: 0)
        _ = state.push(1, port: 1, kind: .batch(earliest: 10, latest: 10))
        _ = state.push(2, port: 1, kind: .batch(earliest: 20, latest: 20))
        XCTAssertTrue(state.isFull(port: 1))
        XCTAssertFalse(state.isFull(port: 0), "capacity is per port: the input behind still gets in")
        _ = state.push(3, port: 1, kind: .end)
        XCTAssertEqual(state.count, 3, "a control message goes beyond the capacity")
        state.producerParks(port: 1)
        _ = state.push(0, port: 0, kind: .batch(earliest: 5, latest: 5))
        guard case let .element(first, 0, false) = state.pop(now: 0) else { return XCTFail("port 0's batch is the earliest") }
        XCTAssertEqual(first, 0)
        guard case let .element(second, 1, false) = state.pop(now: 0) else { return XCTFail("port 1 still holds two: no room yet") }
        XCTAssertEqual(second, 1)
        guard case let .element(third, 1, true) = state.pop(now: 0) else { return XCTFail("room on port 1, whose producer is parked") }
        XCTAssertEqual(third, 2)
    }

    func testAPushWakesOnlyAParkedConsumer() {
        var state = PortedInboxState<Int>(ports: 3, capacity: 4, maxHoldNanos: 0)
        XCTAssertFalse(state.push(1, port: 2, kind: .batch(earliest: nil, latest: nil)))
        _ = state.pop(now: 0)
        state.consumerParks()
        XCTAssertTrue(state.push(2, port: 0, kind: .batch(earliest: nil, latest: nil)))
        state.consumerWakes()
        XCTAssertFalse(state.push(3, port: 1, kind: .batch(earliest: nil, latest: nil)))
    }

    func testABatchKnowsItsEarliestAndLatestEventTime() {
        let records = RecordBuffer()
        XCTAssertNil(records.eventTimeRange)
        records.append([5, 0, 0, 0, 0], eventTime: nil)
        XCTAssertNil(records.eventTimeRange, "a record without event time does not count")
        records.append([5, 0, 0, 0, 0], eventTime: 3000)
        records.append([5, 0, 0, 0, 0], eventTime: 1000)
        records.append([5, 0, 0, 0, 0], eventTime: 2000)
        XCTAssertEqual(records.eventTimeRange?.earliest, 1000)
        XCTAssertEqual(records.eventTimeRange?.latest, 3000)
        XCTAssertEqual(RecordBuffer(selecting: [0, 3], from: records).eventTimeRange?.earliest, 2000)
        XCTAssertEqual(RecordBuffer(selecting: [0, 3], from: records).eventTimeRange?.latest, 2000)
        XCTAssertNil(RecordBuffer(selecting: [0], from: records).eventTimeRange)
    }
}
