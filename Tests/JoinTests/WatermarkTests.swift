import JoinPlugin
import XCTest

/// Watermarks per input, idle inputs and late rows.
final class WatermarkTests: XCTestCase {
    func testWatermarkIsTheSlowestInputMinusOutOfOrderness() {
        var w = Watermarks(inputs: 2, settings: JoinSettings(lower: 0, upper: 0, maxOutOfOrderness: 10), now: 0)
        XCTAssertEqual(w.horizon, .min)
        w.observe(input: 0, time: 500, now: 0)
        XCTAssertEqual(w.horizon, .min, "input 1 has not spoken")
        XCTAssertEqual(w.watermark(of: 0), 490)
        XCTAssertNil(w.watermark(of: 1))
        w.observe(input: 1, time: 300, now: 0)
        XCTAssertEqual(w.horizon, 290)
        w.observe(input: 1, time: 200, now: 0)
        XCTAssertEqual(w.watermark(of: 1), 290, "an older row does not move the watermark back")
        w.observe(input: 1, time: 900, now: 0)
        XCTAssertEqual(w.horizon, 490)
    }

    func testIdleInputStopsHoldingTheWatermarkAfterTheTimeout() {
        var w = Watermarks(inputs: 2, settings: JoinSettings(lower: 0, upper: 0, idleTimeout: 1000), now: 0)
        w.observe(input: 0, time: 500, now: 100)
        w.refresh(now: 999)
        XCTAssertFalse(w.isIdle(1))
        XCTAssertEqual(w.horizon, .min)
        w.refresh(now: 1000)
        XCTAssertTrue(w.isIdle(1))
        XCTAssertEqual(w.horizon, 500)
        // Input 1 comes back behind: the horizon does not move back.
        w.observe(input: 1, time: 100, now: 1001)
        XCTAssertFalse(w.isIdle(1))
        XCTAssertEqual(w.horizon, 500)
        w.observe(input: 0, time: 800, now: 1002)
        XCTAssertEqual(w.horizon, 500, "input 1 holds it again")
    }

    /// Rows of one batch share a processing time: idleness evaluated once
    /// at it still counts for the other inputs, and an idle input that
    /// delivers in the batch is active again at once.
    func testRowsAtTheSameProcessingTimeKeepTheOtherInputsIdleness() {
        var w = Watermarks(inputs: 3, settings: JoinSettings(lower: 0, upper: 0, idleTimeout: 1000), now: 0)
        w.observe(input: 0, time: 500, now: 0)
        w.observe(input: 1, time: 400, now: 0)
        w.observe(input: 2, time: 300, now: 0)
        w.observe(input: 0, time: 900, now: 1500)
        XCTAssertTrue(w.isIdle(1))
        XCTAssertTrue(w.isIdle(2))
        XCTAssertEqual(w.horizon, 900, "inputs 1 and 2 idle")
        w.observe(input: 0, time: 950, now: 1500)
        XCTAssertTrue(w.isIdle(1), "still idle at the same processing time")
        XCTAssertEqual(w.horizon, 950)
        w.observe(input: 2, time: 2000, now: 1500)
        XCTAssertFalse(w.isIdle(2), "input 2 delivered")
        XCTAssertTrue(w.isIdle(1))
        XCTAssertEqual(w.horizon, 950, "the horizon never moves back; input 0 is now the slowest active input")
        w.observe(input: 0, time: 1200, now: 1500)
        XCTAssertEqual(w.horizon, 1200)
    }

    func testEveryInputIdleTakesTheHighestWatermark() {
        var w = Watermarks(inputs: 2, settings: JoinSettings(lower: 0, upper: 0, maxOutOfOrderness: 5, idleTimeout: 10), now: 0)
        w.observe(input: 0, time: 100, now: 0)
        w.observe(input: 1, time: 300, now: 5)
        XCTAssertEqual(w.horizon, 95)
        w.refresh(now: 12)
        XCTAssertTrue(w.isIdle(0) && !w.isIdle(1))
        XCTAssertEqual(w.horizon, 295)
        w.refresh(now: 100)
        XCTAssertEqual(w.horizon, 295)
    }

    /// The seed's complaint about Flink and Spark: with one topic quiet, the
    /// outer rows of the other must still come out, after `idleTimeout`.
    func testIdleRightInputDoesNotHoldLeftOuterRowsBack() {
        for timeout: Int64 in [0, 1000] {
            var h = JoinHarness(JoinSettings(lower: 0, upper: 10, type: .left, idleTimeout: timeout))
            h.send(0, .left, key: 1, time: 100, now: 0)
            h.send(1, .right, key: 2, time: 50, now: 10)
            h.send(2, .left, key: 3, time: 200, now: 600)
            h.advance(now: 1009)
            XCTAssertEqual(h.take(), [], "the right input spoke 999 ms ago")
            h.advance(now: 5000)
            if timeout == 0 {
                XCTAssertEqual(h.take(), [], "without idleness the quiet input stalls the watermark")
                XCTAssertEqual(h.send(3, .right, key: 1, time: 105, now: 5001), .stored)
                XCTAssertEqual(h.take(), [.pair(0, 3)])
            } else {
                XCTAssertEqual(h.take(), [.alone(.left, 0)], "both idle: the left watermark (200) passed 110")
                XCTAssertEqual(h.send(3, .right, key: 1, time: 105, now: 5001), .late(horizon: 200))
                XCTAssertEqual(h.take(), [])
            }
            h.drain()
        }
    }

    func testIdleInputReleasesTheOtherWhileItKeepsFlowing() {
        var h = JoinHarness(JoinSettings(lower: 0, upper: 10, type: .left, idleTimeout: 1000))
        h.send(0, .right, key: 9, time: 0, now: 0)
        for i in 1 ... 30 {
            h.send(i, .left, key: Int64(i), time: Int64(i * 100), now: Int64(i * 100))
            h.advance(now: Int64(i * 100))
        }
        // The right input went idle at 1000 ms; from then on left rows expire as the left watermark passes them.
        let alone = h.take()
        XCTAssertEqual(alone.first, .alone(.left, 1))
        XCTAssertEqual(alone.count, 29, "every left row but the newest is out")
        XCTAssertEqual(h.join.count, 1)
        h.drain()
    }

    func testRowsBehindTheHorizonAreLateAndNeverHeld() {
        var h = JoinHarness(JoinSettings(lower: 0, upper: 5, type: .full, maxOutOfOrderness: 10))
        h.send(0, .left, time: 100)
        h.send(1, .right, time: 100)
        XCTAssertEqual(h.send(2, .left, time: 89), .late(horizon: 90))
        XCTAssertEqual(h.send(3, .right, time: 90), .stored)
        XCTAssertEqual(h.take(), [.pair(0, 1)])
        h.drain()
        XCTAssertEqual(h.late, [2])
        XCTAssertEqual(h.join.stats.inputs.map(\.late), [1, 0])
        XCTAssertFalse(h.outcomes.contains(.alone(.left, 2)), "a late row never comes out of the join")
    }

    func testAllowedLatenessWidensWhatIsAccepted() {
        var h = JoinHarness(JoinSettings(lower: 0, upper: 5, maxOutOfOrderness: 10, allowedLateness: 5))
        h.send(0, .left, time: 100)
        h.send(1, .right, time: 100)
        XCTAssertEqual(h.join.watermarks.watermark, 90)
        XCTAssertEqual(h.join.watermarks.horizon, 85)
        XCTAssertEqual(h.send(2, .left, time: 85), .stored)
        XCTAssertEqual(h.send(3, .left, time: 84), .late(horizon: 85))
        XCTAssertEqual(h.send(4, .right, time: 88), .stored)
        XCTAssertEqual(h.take(), [.pair(0, 1), .pair(2, 4)])
        h.drain()
    }
}
