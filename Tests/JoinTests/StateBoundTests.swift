import JoinPlugin
import XCTest

/// State stays bounded: by the window on a steady stream, by `maxRows` when
/// the watermark cannot move.
final class StateBoundTests: XCTestCase {
    func testSteadyStreamKeepsStateFlat() {
        var h = JoinHarness(JoinSettings(lower: 50, upper: 50, type: .full, maxOutOfOrderness: 20))
        var peaks: [Int] = []
        var peak = 0
        for i in 0 ..< 40_000 {
            h.send(i, i.isMultiple(of: 2) ? .left : .right, key: Int64(i / 6), time: Int64(i))
            if i % 10 == 0 { h.advance(now: 0) }
            peak = max(peak, h.join.count)
            if i % 10_000 == 9_999 { peaks.append(peak); peak = 0 }
        }
        // A row stays until the slower watermark passes its last partner time: the window plus disorder and one advance step.
        XCTAssertLessThanOrEqual(peaks.max()!, 50 + 20 + 10 + 2)
        XCTAssertEqual(Set(peaks).count, 1, "the same peak in every quarter: \(peaks)")
        XCTAssertEqual(h.join.stats.overflowEvictions, 0)
        let bytes = h.join.stats.inputs.map(\.bytes).reduce(0, +)
        XCTAssertEqual(bytes, h.join.count * 10, "state bytes follow the rows")
        h.drain()
        XCTAssertEqual(h.join.stats.inputs.map(\.bytes), [0, 0])
    }

    /// The right input never speaks and idleness is off, so only the bound
    /// keeps state finite: each overflow evicts the row that expires first,
    /// as an outer row, and pushes the horizon so its late partners are refused.
    func testMaxRowsEvictsTheFirstToExpireAsOuterAndCountsIt() {
        var h = JoinHarness(JoinSettings(lower: 0, upper: 10, type: .left, maxRows: 100))
        for i in 0 ..< 1000 {
            h.send(i, .left, key: Int64(i), time: Int64(i * 100))
            XCTAssertLessThanOrEqual(h.join.count, 100)
        }
        XCTAssertEqual(h.join.stats.overflowEvictions, 900)
        XCTAssertEqual(h.take(), (0 ..< 900).map { .alone(.left, $0) }, "oldest first, each once")
        XCTAssertEqual(h.join.watermarks.horizon, 899 * 100 + 10 + 1)
        XCTAssertEqual(h.send(2000, .right, key: 899, time: 89_910), .late(horizon: 89_911),
                       "row 899's partner comes too late: refused, not silently unmatched")
        XCTAssertEqual(h.send(2001, .right, key: 900, time: 90_005), .stored)
        XCTAssertEqual(h.take(), [.pair(900, 2001)])
        h.drain()
        XCTAssertEqual(h.take().count, 99)
    }

    func testOverflowOfTheRowJustInsertedStillReleasesIt() {
        var h = JoinHarness(JoinSettings(lower: 0, upper: 0, type: .full, maxRows: 1))
        h.send(0, .left, time: 100)
        h.send(1, .left, time: 50)
        XCTAssertEqual(h.take(), [.alone(.left, 1)], "the newcomer expires first")
        XCTAssertEqual(h.released[1], 1)
        XCTAssertEqual(h.join.count, 1)
        h.drain()
        XCTAssertEqual(h.take(), [.alone(.left, 0)])
    }
}
