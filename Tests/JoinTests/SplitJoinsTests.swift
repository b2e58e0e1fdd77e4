import JoinPlugin
import XCTest

/// State per source split (ABI 1.3): each split's horizon is its own, and a
/// revoked split leaves state with its holds released and no outer rows.
final class SplitJoinsTests: XCTestCase {
    private let settings = JoinSettings(lower: 0, upper: 100, type: .left, maxOutOfOrderness: 10)
    private var events: [JoinEvent<Int, Int>] = []

    /// Row `id` is also its hold; left rows on stream 0, right rows on stream 1.
    @discardableResult
    private func send(_ joins: inout SplitJoins<Int, Int>, id: Int, split: UInt32, side: Side, key: Int64, time: Int64)
        -> IntervalJoin<Int, Int>.Admission
    {
        joins.insert(id, split: split, stream: side.rawValue, key: JoinKey(key), time: time, bytes: 10, now: 0,
                     hold: { id }, into: &events)
    }

    func testASplitBehindAnotherIsNotLate() {
        var joins = SplitJoins<Int, Int>(settings: settings, sides: [.left, .right])
        send(&joins, id: 1, split: 0, side: .left, key: 1, time: 10_000)
        send(&joins, id: 2, split: 0, side: .right, key: 1, time: 10_050)
        XCTAssertEqual(send(&joins, id: 3, split: 1, side: .left, key: 2, time: 100), .stored,
                       "partition 1 is read behind partition 0; one horizon for both would refuse it")
        XCTAssertEqual(send(&joins, id: 4, split: 1, side: .right, key: 2, time: 150), .stored)
        XCTAssertEqual(send(&joins, id: 5, split: 0, side: .right, key: 9, time: 100), .late(horizon: 9990),
                       "within its own split the horizon still holds")
        let pairs = events.compactMap { e -> [Int]? in if case let .pair(l, r) = e { return [l.row, r.row] } else { return nil } }
        XCTAssertEqual(pairs, [[1, 2], [3, 4]])
        XCTAssertEqual(joins.watermarks, [90, 140], "per stream, the lowest watermark among splits")
    }

    func testARevokedSplitReleasesItsHoldsWithoutOuterRowsAndStartsAfreshWhenItComesBack() {
        var joins = SplitJoins<Int, Int>(settings: settings, sides: [.left, .right])
        send(&joins, id: 1, split: 0, side: .left, key: 1, time: 1000)
        send(&joins, id: 2, split: 1, side: .left, key: 2, time: 1000)
        send(&joins, id: 3, split: 1, side: .left, key: 3, time: 5000)
        send(&joins, id: 5, split: 1, side: .right, key: 3, time: 5000)
        XCTAssertEqual(send(&joins, id: 4, split: 1, side: .right, key: 9, time: 100), .late(horizon: 4990))
        XCTAssertEqual(joins.stats.inputs[1].late, 1)
        events.removeAll()

        joins.revoke([1, 7], into: &events)
        var released: [Int] = []
        for event in events {
            guard case let .release(hold) = event else { return XCTFail("a revocation emits nothing but releases: \(event)") }
            released.append(hold)
        }
        XCTAssertEqual(released.sorted(), [2, 3, 5], "every row of the split, left join or not, leaves without an outer row")
        XCTAssertEqual(joins.count, 1, "split 0 keeps its row")
        XCTAssertEqual(joins.stats.inputs[0].rows, 1)
        XCTAssertEqual(joins.stats.inputs[1].late, 1, "counters of a dropped split are kept")

        events.removeAll()
        XCTAssertEqual(send(&joins, id: 12, split: 1, side: .left, key: 2, time: 1000), .stored,
                       "the replay of a split that came back is not late")
        joins.drain(into: &events)
        let alone = events.compactMap { e -> Int? in if case let .unmatched(_, row) = e { return row.row } else { return nil } }
        XCTAssertEqual(alone.sorted(), [1, 12])
    }
}

/// Crash safety of matched rows: a row that leaves state before a partner
/// it matched keeps its delivery open until that partner leaves, so a
/// replay of the partner meets it again instead of coming out as an outer row.
final class InheritedHoldTests: XCTestCase {
    func testAMatchedRowsHoldStaysOpenUntilItsLongestStayingPartnerLeaves() {
        let settings = JoinSettings(lower: 0, upper: 100, type: .left, maxOutOfOrderness: 0, idleTimeout: 0)
        var join = IntervalJoin<Int, Int>(settings: settings, sides: [.left, .right], now: 0)
        var events: [JoinEvent<Int, Int>] = []
        func released() -> [Int] { events.compactMap { if case let .release(h) = $0 { return h } else { return nil } } }
        join.insert(1, input: 0, key: JoinKey(7), time: 0, now: 0, hold: { 1 }, into: &events)
        join.insert(3, input: 0, key: JoinKey(7), time: 5, now: 0, hold: { 3 }, into: &events)
        join.insert(2, input: 1, key: JoinKey(7), time: 10, now: 0, hold: { 2 }, into: &events)
        events.removeAll()
        // The watermark reaches 60: payment 2 (expiry 10) leaves; orders 1 and 3 (expiries 100, 105) stay.
        join.insert(4, input: 0, key: JoinKey(8), time: 60, now: 0, hold: { 4 }, into: &events)
        join.insert(5, input: 1, key: JoinKey(8), time: 60, now: 0, hold: { 5 }, into: &events)
        join.advance(now: 0, into: &events)
        XCTAssertEqual(join.count, 4)
        XCTAssertEqual(released(), [], "payment 2 left state, but the orders it matched are still there")
        // Past 105: payment 5 leaves (its order 4 stays), order 1 leaves, then
        // order 3, the one that stayed longest, with payment 2's hold.
        join.insert(6, input: 0, key: JoinKey(9), time: 120, now: 0, hold: { 6 }, into: &events)
        join.insert(7, input: 1, key: JoinKey(9), time: 120, now: 0, hold: { 7 }, into: &events)
        join.advance(now: 0, into: &events)
        XCTAssertEqual(released(), [1, 3, 2])
        events.removeAll()
        join.drain(into: &events)
        XCTAssertEqual(released().sorted(), [4, 5, 6, 7], "every hold is released once in the end")
        let alone = events.compactMap { e -> Int? in if case let .unmatched(_, row) = e { return row.row } else { return nil } }
        XCTAssertEqual(alone, [], "every order matched a payment")
    }
}
