@testable import SluiceCore
import XCTest

/// The token bucket behind plugin log lines, on a clock the test moves.
final class LogRateLimiterTests: XCTestCase {
    func testABurstPassesThenLinesAreHeldBackAndCountedOnTheNextOneWritten() {
        var limiter = LogRateLimiter(burst: 3, perSecond: 1)
        let kind = LogRateLimiter.kind(of: "Connect to 127.0.0.1:9092 failed", component: "in")
        // A broker that is down: 100 lines in one second.
        let written = (0 ..< 100).map { limiter.admit(kind, now: Double($0) / 100) }.filter(\.emit)
        XCTAssertEqual(written.count, 3, "only the burst passes within the first second")
        XCTAssertEqual(written.map(\.suppressed), [0, 0, 0])
        let next = limiter.admit(kind, now: 2)
        XCTAssertEqual(next, .init(emit: true, suppressed: 97))
        XCTAssertEqual(limiter.admit(kind, now: 2).suppressed, 0)
    }

    func testDrainingReportsWhatIsStillHeldBackOnce() {
        var limiter = LogRateLimiter(burst: 1, perSecond: 0.001)
        let kind = LogRateLimiter.kind(of: "broker 3 down", component: "in")
        for _ in 0 ..< 10 { _ = limiter.admit(kind, now: 0) }
        _ = limiter.admit("quiet", now: 0)
        let drained = limiter.drainSuppressed()
        XCTAssertEqual(drained.map(\.count), [9])
        XCTAssertEqual(drained.map { LogRateLimiter.message(ofKind: $0.kind) }, ["broker # down"])
        XCTAssertTrue(limiter.drainSuppressed().isEmpty)
    }

    func testOverTimeTheRateIsTheRefill() {
        var limiter = LogRateLimiter(burst: 5, perSecond: 0.5)
        let kind = "k"
        // Ten lines a second for a minute.
        let written = (0 ..< 600).filter { limiter.admit(kind, now: Double($0) / 10).emit }.count
        XCTAssertEqual(written, 5 + 30, accuracy: 1)
    }

    func testKindsAreSeparateAndDigitsDoNotMakeANewKind() {
        XCTAssertEqual(LogRateLimiter.kind(of: "retry 12 after 250 ms", component: "a"), LogRateLimiter.kind(of: "retry 3 after 1000 ms", component: "a"))
        XCTAssertNotEqual(LogRateLimiter.kind(of: "x", component: "a"), LogRateLimiter.kind(of: "x", component: "b"))
        XCTAssertNotEqual(LogRateLimiter.kind(of: "retry", component: "a"), LogRateLimiter.kind(of: "fail", component: "a"))
        var limiter = LogRateLimiter(burst: 1, perSecond: 0.001)
        XCTAssertTrue(limiter.admit("a", now: 0).emit)
        XCTAssertFalse(limiter.admit("a", now: 0).emit)
        XCTAssertTrue(limiter.admit("b", now: 0).emit, "one noisy kind silenced another")
    }

    func testTheTableOfKindsIsBounded() {
        var limiter = LogRateLimiter(burst: 1, perSecond: 0.001, maxKinds: 10)
        XCTAssertTrue(limiter.admit("old", now: 0).emit)
        for i in 0 ..< 20 { _ = limiter.admit("k\(i)", now: Double(i + 1)) }
        XCTAssertTrue(limiter.admit("old", now: 30).emit, "the quietest kind was not forgotten")
    }
}
