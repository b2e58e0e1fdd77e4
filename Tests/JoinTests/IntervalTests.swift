import JoinPlugin
import XCTest

/// The interval's ends and when outer rows come out.
final class IntervalTests: XCTestCase {
    func testBothEndsInclusive() {
        var h = JoinHarness(JoinSettings(lower: 5, upper: 10))
        h.send(0, .left, time: 100)
        for (id, t) in [(1, 94), (2, 95), (3, 100), (4, 110), (5, 111)] { h.send(id, .right, time: Int64(t)) }
        XCTAssertEqual(Set(h.take()), [.pair(0, 2), .pair(0, 3), .pair(0, 4)])
        // The same bounds seen from a left row arriving after the right ones.
        h.send(6, .left, time: 116)
        XCTAssertEqual(Set(h.take()), [.pair(6, 5)])
        h.drain()
        XCTAssertEqual(h.take(), [], "inner join: unmatched rows never come out")
    }

    func testKeysMustBeEqual() {
        var h = JoinHarness(JoinSettings(lower: 5, upper: 5, type: .full))
        h.send(0, .left, key: 1, time: 100)
        h.send(1, .right, key: 2, time: 100)
        XCTAssertEqual(h.take(), [])
        h.drain()
        XCTAssertEqual(Set(h.take()), [.alone(.left, 0), .alone(.right, 1)])
    }

    func testManyToManyPairsOncePerInputRow() {
        var h = JoinHarness(JoinSettings(lower: 0, upper: 10))
        h.send(0, .left, time: 100)
        h.send(1, .left, time: 100)   // a duplicated line
        h.send(2, .right, time: 105)
        h.send(3, .right, time: 105)
        XCTAssertEqual(h.take(), [.pair(0, 2), .pair(1, 2), .pair(0, 3), .pair(1, 3)])
        h.drain()
    }

    /// A left row's outer row comes out the moment the horizon passes
    /// left.time + upper, not a step earlier, and once.
    func testLeftOuterRowOnceTheRightWatermarkPassesTheUpperBound() {
        var h = JoinHarness(JoinSettings(lower: 0, upper: 10, type: .left))
        h.send(0, .left, key: 1, time: 100)
        h.send(1, .right, key: 2, time: 105)
        h.send(2, .left, key: 3, time: 111)
        h.advance(now: 0)
        XCTAssertEqual(h.take(), [], "the right watermark (105) is before 110: a partner may come")
        h.send(3, .right, key: 2, time: 110)
        h.advance(now: 0)
        XCTAssertEqual(h.take(), [], "a right row at exactly 110 could still match")
        XCTAssertEqual(h.send(4, .right, key: 1, time: 110), .stored)
        XCTAssertEqual(h.take(), [.pair(0, 4)])
        h.send(5, .right, key: 2, time: 111)
        XCTAssertEqual(h.take(), [], "eviction waits for advance")
        h.advance(now: 0)
        XCTAssertEqual(h.take(), [], "row 0 matched: its hold is released, no outer row")
        XCTAssertEqual(h.released[0], 1)
        h.drain()
        XCTAssertEqual(h.take(), [.alone(.left, 2)])
    }

    func testRightOuterRowOnceTheLeftWatermarkPassesTheLowerBound() {
        var h = JoinHarness(JoinSettings(lower: 20, upper: 0, type: .right))
        h.send(0, .right, key: 1, time: 100)
        h.send(1, .right, key: 3, time: 130)
        h.send(2, .left, key: 2, time: 120)
        h.advance(now: 0)
        XCTAssertEqual(h.take(), [], "a left row at exactly 120 could still match")
        h.send(3, .left, key: 2, time: 121)
        h.advance(now: 0)
        XCTAssertEqual(h.take(), [.alone(.right, 0)])
        h.advance(now: 0)
        XCTAssertEqual(h.take(), [], "once")
        h.drain()
        XCTAssertEqual(h.take(), [.alone(.right, 1)], "left rows of a right join never come out alone")
        XCTAssertEqual(h.released.count, 4)
    }

    func testNegativeLowerBoundShiftsTheInterval() {
        // right.time in [left.time + 3, left.time + 10]
        var h = JoinHarness(JoinSettings(lower: -3, upper: 10))
        h.send(0, .left, time: 100)
        for (id, t) in [(1, 100), (2, 102), (3, 103), (4, 110), (5, 111)] { h.send(id, .right, time: Int64(t)) }
        XCTAssertEqual(Set(h.take()), [.pair(0, 3), .pair(0, 4)])
        h.drain()
    }

    func testSettingsRejectAnEmptyInterval() {
        XCTAssertNotNil(JoinSettings(lower: -5, upper: 4).problem)
        XCTAssertNil(JoinSettings(lower: -5, upper: 5).problem)
        XCTAssertNotNil(JoinSettings(lower: 0, upper: 0, maxRows: 0).problem)
        XCTAssertNil(JoinSettings(lower: 0, upper: 0).problem, "the default cap is the limit")
        XCTAssertNotNil(JoinSettings(lower: 0, upper: 0, maxRows: JoinSettings.maxRowsLimit + 1).problem, "state numbers its rows in 32 bits")
        XCTAssertNotNil(JoinSettings(lower: .max, upper: .max).problem)
    }

    func testDrainEmitsEveryOuterRowOnceAndLaterRowsAreLate() {
        var h = JoinHarness(JoinSettings(lower: 1000, upper: 1000, type: .full))
        // Keys 0...12: two left and two right rows each (key 12: one of each), all inside one window.
        for i in 0 ..< 50 { h.send(i, i.isMultiple(of: 2) ? .left : .right, key: Int64(i / 4), time: Int64(i)) }
        h.send(60, .left, key: 100, time: 60)
        h.send(61, .right, key: 101, time: 61)
        XCTAssertEqual(h.take().count, 12 * 4 + 1)
        XCTAssertEqual(h.join.count, 52)
        h.advance(now: 0)
        XCTAssertEqual(h.take(), [], "nothing has expired before drain")
        h.drain()
        XCTAssertEqual(h.take(), [.alone(.left, 60), .alone(.right, 61)])
        XCTAssertEqual(h.send(99, .left, time: 10_000), .late(horizon: .max))
        h.drain()
        XCTAssertEqual(h.take(), [], "a second drain has nothing left")
    }
}
