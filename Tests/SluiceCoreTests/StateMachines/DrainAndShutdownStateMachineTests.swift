@testable import SluiceCore
import XCTest

/// `DrainStateMachine` (one stage) and `ShutdownStateMachine` (the run).
final class DrainAndShutdownStateMachineTests: XCTestCase {
    func testAStageDrainsAfterTheEndOfEveryEdge() {
        var m = DrainStateMachine(edges: 3)
        XCTAssertFalse(m.isDrained)
        XCTAssertEqual(m.edgeEnded(), .keepRunning)
        XCTAssertEqual(m.edgeEnded(), .keepRunning)
        XCTAssertEqual(m.edgeEnded(), .drain)
        XCTAssertTrue(m.isDrained)
    }

    func testOnlyTheFirstStopStartsTheDrainClock() {
        var m = ShutdownStateMachine(drainTimeoutMillis: 500)
        XCTAssertNil(m.drainDeadline)
        XCTAssertEqual(m.stopRequested(now: 1000), .beginDrain(deadline: 1000 + 500_000_000))
        XCTAssertEqual(m.stopRequested(now: 9000), .none)
        XCTAssertEqual(m.drainDeadline, 1000 + 500_000_000)
        m.started(sources: 1, others: 1)
        XCTAssertEqual(m.drainDeadline, 1000 + 500_000_000, "a stop before the stages started keeps its clock")
    }

    func testSourcesAreReleasedWhenTheLastOtherStageExitsAndTeardownFollowsTheLastSource() {
        var m = ShutdownStateMachine(drainTimeoutMillis: 0)
        m.started(sources: 2, others: 2)
        XCTAssertEqual(m.stageExited(isSource: true), .none)
        XCTAssertEqual(m.stageExited(isSource: false), .none)
        XCTAssertEqual(m.stageExited(isSource: false), .downstreamDone)
        XCTAssertEqual(m.stageExited(isSource: true), .teardown)
    }

    func testSourcesThatExitLastStillTearDown() {
        var m = ShutdownStateMachine(drainTimeoutMillis: 0)
        m.started(sources: 1, others: 1)
        XCTAssertEqual(m.stageExited(isSource: false), .downstreamDone)
        XCTAssertEqual(m.stageExited(isSource: true), .teardown)
    }

    func testAllOthersExitingAfterTheSourcesTearsDownAtOnce() {
        var m = ShutdownStateMachine(drainTimeoutMillis: 0)
        m.started(sources: 1, others: 1)
        XCTAssertEqual(m.stageExited(isSource: true), .none)
        XCTAssertEqual(m.stageExited(isSource: false), .teardown)
    }
}
