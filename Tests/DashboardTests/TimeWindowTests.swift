import DashboardPlugin
import XCTest

/// The per-key, per-field window: bounded, in time order whatever the
/// arrival order, oldest by time out first, replays replace.
final class TimeWindowTests: XCTestCase {
    func point(_ t: Int64, _ v: Double = 0) -> SeriesPoint { SeriesPoint(time: t, value: v) }

    func testKeepsTheNewestByTimeAndEvictsTheOldest() {
        var w = TimeWindow<SeriesPoint>(capacity: 3)
        for t in Int64(1) ... 3 { XCTAssertEqual(w.insert(point(t)), .kept(evicted: 0)) }
        XCTAssertEqual(w.insert(point(4)), .kept(evicted: 1))
        XCTAssertEqual(w.items.map(\.time), [2, 3, 4])
        XCTAssertEqual(w.count, 3)
    }

    func testOutOfOrderReadingsTakeTheirPlace() {
        var w = TimeWindow<SeriesPoint>(capacity: 4)
        for t: Int64 in [10, 30, 20, 5, 25] { _ = w.insert(point(t)) }
        XCTAssertEqual(w.items.map(\.time), [10, 20, 25, 30], "5 was the oldest when the window overflowed")
    }

    func testAReadingOlderThanAFullWindowIsDropped() {
        var w = TimeWindow<SeriesPoint>(capacity: 2)
        _ = w.insert(point(10))
        _ = w.insert(point(20))
        XCTAssertEqual(w.insert(point(5)), .dropped)
        XCTAssertEqual(w.items.map(\.time), [10, 20])
    }

    func testAReplayReplacesTheReadingForTheSameTime() {
        var w = TimeWindow<SeriesPoint>(capacity: 3)
        _ = w.insert(point(1, 1))
        _ = w.insert(point(2, 2))
        XCTAssertEqual(w.insert(point(1, 9)), .replaced)
        XCTAssertEqual(w.insert(point(2, 8)), .replaced)
        XCTAssertEqual(w.items, [point(1, 9), point(2, 8)])
    }

    func testAlertsAtOneTimeStandSideBySideUnlessTheSameRuleAndState() {
        var w = TimeWindow<AlertMark>(capacity: 5)
        let warm = AlertMark(time: 7, name: "warm", rule: "value > 24", state: .opened, value: 25)
        let anomaly = AlertMark(time: 7, name: "anomaly", rule: "anomaly > 4", state: .opened, value: 5)
        XCTAssertEqual(w.insert(warm), .kept(evicted: 0))
        XCTAssertEqual(w.insert(anomaly), .kept(evicted: 0))
        XCTAssertEqual(w.insert(warm), .replaced)
        XCTAssertEqual(w.count, 2)
    }

    func testALongStreamKeepsTheNewestWindowInOrderAcrossCompactions() {
        var w = TimeWindow<SeriesPoint>(capacity: 7)
        var evicted = 0
        for t in Int64(0) ..< 100 {
            if case let .kept(n) = w.insert(point(t * 10)) { evicted += n }
            // Every fifth reading comes late, between two already held.
            if t % 5 == 4, case let .kept(n) = w.insert(point(t * 10 - 15)) { evicted += n }
        }
        XCTAssertEqual(w.count, 7)
        XCTAssertEqual(w.items.map(\.time), [940, 950, 960, 970, 975, 980, 990])
        XCTAssertEqual(evicted, 100 + 20 - 7)
        var same = TimeWindow<SeriesPoint>(capacity: 7)
        for p in w.items { _ = same.insert(p) }
        XCTAssertEqual(same, w, "equal content, whatever the buffer's history")
    }
}
