@testable import SluiceCore
import XCTest

/// `RevocationBarrier`: a revocation leaves a component once, after its last worker passed it.
final class RevocationBarrierTests: XCTestCase {
    func testOneWorkerForwardsAtOnce() {
        var barrier = RevocationBarrier(workers: 1)
        XCTAssertEqual(barrier.passed(worker: 0, port: 0), .forward)
        XCTAssertEqual(barrier.passed(worker: 0, port: 0), .forward)
        XCTAssertEqual(barrier.pending, 0)
    }

    func testTheLastWorkerToPassForwards() {
        var barrier = RevocationBarrier(workers: 3)
        XCTAssertEqual(barrier.passed(worker: 2, port: 0), .wait)
        XCTAssertEqual(barrier.passed(worker: 0, port: 0), .wait)
        XCTAssertEqual(barrier.pending, 1)
        XCTAssertEqual(barrier.passed(worker: 1, port: 0), .forward)
        XCTAssertEqual(barrier.pending, 0)
    }

    /// A fast worker may pass the second revocation before a slow one passed
    /// the first: each is forwarded only when every worker passed that one.
    func testRevocationsAreCountedInTheirOrderPerWorker() {
        var barrier = RevocationBarrier(workers: 2)
        XCTAssertEqual(barrier.passed(worker: 0, port: 0), .wait)
        XCTAssertEqual(barrier.passed(worker: 0, port: 0), .wait, "worker 0's second revocation is not worker 1's first")
        XCTAssertEqual(barrier.pending, 2)
        XCTAssertEqual(barrier.passed(worker: 1, port: 0), .forward)
        XCTAssertEqual(barrier.passed(worker: 1, port: 0), .forward)
        XCTAssertEqual(barrier.pending, 0)
    }

    func testPortsAreCountedApart() {
        var barrier = RevocationBarrier(workers: 2)
        XCTAssertEqual(barrier.passed(worker: 0, port: 0), .wait)
        XCTAssertEqual(barrier.passed(worker: 1, port: 1), .wait, "a revocation of another input is another revocation")
        XCTAssertEqual(barrier.passed(worker: 1, port: 0), .forward)
        XCTAssertEqual(barrier.passed(worker: 0, port: 1), .forward)
    }

    func testAWorkerSeesItsRevocationForwardedOnlyOnceEveryWorkerPassedIt() {
        var barrier = RevocationBarrier(workers: 2)
        XCTAssertTrue(barrier.isForwarded(port: 0, passedBy: 0), "nothing passed, nothing to wait for")
        XCTAssertEqual(barrier.passed(worker: 0, port: 0), .wait)
        XCTAssertFalse(barrier.isForwarded(port: 0, passedBy: 0), "worker 0 must wait for worker 1")
        XCTAssertTrue(barrier.isForwarded(port: 0, passedBy: 1))
        XCTAssertEqual(barrier.passed(worker: 1, port: 0), .forward)
        XCTAssertTrue(barrier.isForwarded(port: 0, passedBy: 0))
        XCTAssertTrue(barrier.isForwarded(port: 1, passedBy: 0), "another port's count is its own")
    }
}
