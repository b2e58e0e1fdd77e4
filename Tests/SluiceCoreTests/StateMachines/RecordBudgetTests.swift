@testable import SluiceCore
import XCTest

/// `--max-records` shared by several sources, without threads.
final class RecordBudgetTests: XCTestCase {
    func testUnlimitedGrantsWhatIsAsked() {
        var b = RecordBudget(limit: nil)
        XCTAssertEqual(b.take(1000, by: "a"), .records(1000))
        b.settle(granted: 1000, used: 3)
        XCTAssertEqual(b.take(1000, by: "a"), .records(1000))
    }

    /// The two-topic join that stopped one topic short: while the other
    /// source holds the rest of the budget, an empty budget means "wait".
    func testAnEmptyBudgetLentToAnotherSourceIsNotTheEnd() {
        var b = RecordBudget(limit: 1500, sharers: 1)
        XCTAssertEqual(b.take(1000, by: "orders"), .records(1000), "orders")
        XCTAssertEqual(b.take(1000, by: "payments"), .records(500), "payments")
        XCTAssertEqual(b.take(1000, by: "orders"), .wait, "orders again, while payments still polls")
        b.settle(granted: 500, used: 0)
        XCTAssertEqual(b.take(1000, by: "orders"), .records(500), "what payments did not read")
        b.settle(granted: 1000, used: 1000)
        b.settle(granted: 500, used: 500)
        XCTAssertEqual(b.take(1000, by: "orders"), .exhausted)
        XCTAssertEqual(b.left, 0)
        XCTAssertEqual(b.lent, 0)
    }

    /// A source polling an exhausted topic takes at most its share, so the
    /// other source still gets records between its empty polls.
    func testNoSourceTakesMoreThanItsShareOfWhatIsLeft() {
        var b = RecordBudget(limit: 3000, sharers: 2)
        XCTAssertEqual(b.take(1000, by: "a"), .records(1000))
        b.settle(granted: 1000, used: 1000)
        XCTAssertEqual(b.take(2000, by: "a"), .records(1000), "half of the 2000 left")
        XCTAssertEqual(b.take(2000, by: "b"), .records(500), "half of the 1000 left for the other source")
        b.settle(granted: 1000, used: 0)
        b.settle(granted: 500, used: 500)
        XCTAssertEqual(b.take(1, by: "a"), .records(1))
        XCTAssertEqual(b.left, 1499)
    }

    /// At the tail: the one record left goes to the source that waited, not
    /// to the one that keeps polling its exhausted topic.
    func testASourceThatWaitedGoesFirst() {
        var b = RecordBudget(limit: 1, sharers: 2)
        XCTAssertEqual(b.take(1000, by: "orders"), .records(1))
        XCTAssertEqual(b.take(1000, by: "payments"), .wait)
        b.settle(granted: 1, used: 0)
        XCTAssertEqual(b.take(1000, by: "orders"), .wait, "orders yields to payments, which waited")
        XCTAssertEqual(b.take(1000, by: "payments"), .records(1))
        b.settle(granted: 1, used: 1)
        XCTAssertEqual(b.take(1000, by: "orders"), .exhausted)
    }
}
