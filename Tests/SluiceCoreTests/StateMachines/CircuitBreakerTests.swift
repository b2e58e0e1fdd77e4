@testable import SluiceCore
import XCTest

/// Every transition of `CircuitBreaker`, without threads or servers.
final class CircuitBreakerTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testOpensAfterTheConfiguredFailuresInARowAndNotBefore() {
        var b = CircuitBreaker(failures: 3, coolDownMillis: 100)
        XCTAssertFalse(b.record(success: false, now: 0))
        XCTAssertFalse(b.record(success: false, now: 1))
        XCTAssertNil(b.blockedUntil(now: 2), "two failures leave it closed")
        XCTAssertTrue(b.record(success: false, now: 3 * ms), "the third opens it")
        XCTAssertEqual(b.blockedUntil(now: 50 * ms), 103 * ms)
    }

    func testASuccessResetsTheCount() {
        var b = CircuitBreaker(failures: 2, coolDownMillis: 100)
        _ = b.record(success: false, now: 0)
        _ = b.record(success: true, now: 1)
        XCTAssertFalse(b.record(success: false, now: 2), "failures must be in a row")
        XCTAssertEqual(b.state, .closed(consecutiveFailures: 1))
    }

    func testAfterTheCoolDownOneProbeDecides() {
        var b = CircuitBreaker(failures: 1, coolDownMillis: 100)
        XCTAssertTrue(b.record(success: false, now: 0))
        XCTAssertNil(b.blockedUntil(now: 100 * ms), "the cool-down is over: probe")
        XCTAssertEqual(b.state, .halfOpen)
        XCTAssertTrue(b.record(success: false, now: 100 * ms), "a failed probe opens it again at once")
        XCTAssertEqual(b.blockedUntil(now: 150 * ms), 200 * ms)
        XCTAssertNil(b.blockedUntil(now: 200 * ms))
        XCTAssertFalse(b.record(success: true, now: 200 * ms))
        XCTAssertEqual(b.state, .closed(consecutiveFailures: 0))
    }

    func testZeroFailuresNeverOpens() {
        var b = CircuitBreaker(failures: 0, coolDownMillis: 100)
        for t in 0 ..< 100 { XCTAssertFalse(b.record(success: false, now: UInt64(t))) }
        XCTAssertNil(b.blockedUntil(now: 100))
    }
}
