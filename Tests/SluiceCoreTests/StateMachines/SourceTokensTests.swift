@testable import SluiceCore
import XCTest

/// An isolated source's tokens: acks reach only the child that read the records.
final class SourceTokensTests: XCTestCase {
    func testAcksGoToTheChildThatReadTheRecords() {
        var tokens = SourceTokens()
        let a = tokens.issue(7), b = tokens.issue(8)
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(tokens.issue(0), 0, "no token stays no token")
        XCTAssertEqual(tokens.outstanding, 2)
        let acked = tokens.acknowledge([b, a])
        XCTAssertEqual(acked.current, [8, 7])
        XCTAssertEqual(acked.stale, 0)
        XCTAssertEqual(tokens.outstanding, 0)
        XCTAssertEqual(tokens.acknowledge([a]).current, [], "an ack is passed on once")
    }

    /// The new child issues the same numbers (line 5 again): an ack of the
    /// dead child's line 5 must not reach it.
    func testAcksOfAnEndedChildAreDroppedEvenWhenItsTokensRepeat() {
        var tokens = SourceTokens()
        let old = tokens.issue(5)
        tokens.childEnded()
        let new = tokens.issue(5)
        XCTAssertNotEqual(old, new)
        let first = tokens.acknowledge([old])
        XCTAssertEqual(first.current, [])
        XCTAssertEqual(first.stale, 1)
        XCTAssertEqual(tokens.outstanding, 1)
        XCTAssertEqual(tokens.acknowledge([new, old]).current, [5])
    }
}
