import CSluicePlugin
@testable import SluiceCore
import SluiceSDK
import XCTest

/// Every transition of `SourceStateMachine`: batching by size and time,
/// backoff, end, stop, and waiting for acks.
final class SourceStateMachineTests: XCTestCase {
    private let ms: UInt64 = 1_000_000

    private func machine(maxWait: Int = 100) -> SourceStateMachine {
        SourceStateMachine(batch: BatchSettings(maxRecords: 10, maxWaitMillis: maxWait), backoff: Backoff(initialMillis: 100, maxMillis: 1000))
    }

    func testAFullBatchIsDispatchedAtOnce() {
        var m = machine()
        XCTAssertEqual(m.begin(granted: 10, now: 0, stopping: false), .poll(maxRecords: 10, timeoutMillis: 100))
        XCTAssertEqual(m.polled(status: SLUICE_OK, emitted: 10, elapsed: 5 * ms, now: 5 * ms, stopping: false), .dispatch)
        XCTAssertEqual(m.state, .idle)
    }

    func testAPartialBatchPollsForTheRestUntilItsDeadline() {
        var m = machine()
        _ = m.begin(granted: 10, now: 0, stopping: false)
        XCTAssertEqual(m.polled(status: SLUICE_OK, emitted: 4, elapsed: 30 * ms, now: 30 * ms, stopping: false),
                       .poll(maxRecords: 6, timeoutMillis: 70))
        XCTAssertEqual(m.polled(status: SLUICE_OK, emitted: 1, elapsed: 70 * ms, now: 100 * ms, stopping: false), .dispatch,
                       "the batch's time is up")
    }

    func testARevocationDispatchesThePartialBatchAtOnce() {
        var m = machine()
        _ = m.begin(granted: 10, now: 0, stopping: false)
        XCTAssertEqual(m.polled(status: SLUICE_OK, emitted: 3, elapsed: 5 * ms, now: 5 * ms, stopping: false, revoked: true), .dispatch,
                       "processors hear of the revocation before the new assignment's records")
        XCTAssertEqual(m.state, .idle)
    }

    func testAnEmptyPollThatReturnsAtOncePausesInsteadOfSpinning() {
        var m = machine()
        _ = m.begin(granted: 10, now: 0, stopping: false)
        XCTAssertEqual(m.polled(status: SLUICE_OK, emitted: 0, elapsed: 10_000, now: 10 * ms, stopping: false),
                       .pause(millis: 1, thenPoll: 10, timeoutMillis: 90))
        XCTAssertEqual(m.polled(status: SLUICE_OK, emitted: 0, elapsed: 20 * ms, now: 30 * ms, stopping: false),
                       .poll(maxRecords: 10, timeoutMillis: 70), "a poll that waited is not a spin")
    }

    func testRetriableBacksOffWithGrowingDelaysAndOkResetsThem() {
        var m = machine()
        _ = m.begin(granted: 10, now: 0, stopping: false)
        guard case let .dispatchAndBackOff(first) = m.polled(status: SLUICE_RETRIABLE, emitted: 2, elapsed: 0, now: 0, stopping: false) else {
            return XCTFail("expected a backoff")
        }
        XCTAssertTrue((50 ... 100).contains(first))
        XCTAssertEqual(m.state, .idle)
        _ = m.begin(granted: 10, now: 0, stopping: false)
        guard case let .dispatchAndBackOff(second) = m.polled(status: SLUICE_RETRIABLE, emitted: 0, elapsed: 0, now: 0, stopping: false) else {
            return XCTFail("expected a backoff")
        }
        XCTAssertLessThanOrEqual(second, 200)
        _ = m.begin(granted: 10, now: 0, stopping: false)
        _ = m.polled(status: SLUICE_OK, emitted: 10, elapsed: 0, now: 0, stopping: false)
        _ = m.begin(granted: 10, now: 0, stopping: false)
        guard case let .dispatchAndBackOff(afterReset) = m.polled(status: SLUICE_RETRIABLE, emitted: 0, elapsed: 0, now: 0, stopping: false) else {
            return XCTFail("expected a backoff")
        }
        XCTAssertLessThanOrEqual(afterReset, 100, "an OK poll resets the backoff")
    }

    func testEndDispatchesThenWaitsForEveryAck() {
        var m = machine()
        _ = m.begin(granted: 10, now: 0, stopping: false)
        XCTAssertEqual(m.polled(status: SLUICE_OK, emitted: 10, elapsed: 0, now: 0, stopping: false), .dispatch)
        m.dispatched()
        _ = m.begin(granted: 10, now: 0, stopping: false)
        XCTAssertEqual(m.polled(status: SLUICE_END, emitted: 3, elapsed: 0, now: 0, stopping: false), .dispatchAndEnd)
        m.dispatched()
        XCTAssertEqual(m.outstanding, 2)
        XCTAssertEqual(m.settle(downstreamDone: false), .awaitAcks)
        m.acked(1)
        XCTAssertEqual(m.settle(downstreamDone: false), .awaitAcks)
        m.acked(1)
        XCTAssertEqual(m.settle(downstreamDone: false), .exit)
        XCTAssertEqual(m.state, .exited)
    }

    func testDownstreamDoneReleasesASourceWithHeldBatches() {
        var m = machine()
        _ = m.begin(granted: 10, now: 0, stopping: false)
        _ = m.polled(status: SLUICE_END, emitted: 5, elapsed: 0, now: 0, stopping: false)
        m.dispatched()
        XCTAssertEqual(m.settle(downstreamDone: false), .awaitAcks)
        XCTAssertEqual(m.settle(downstreamDone: true), .exit, "records held in state are replayed, not waited for")
        XCTAssertEqual(m.outstanding, 1)
    }

    func testStopEndsBeforeOrDuringABatch() {
        var a = machine()
        XCTAssertEqual(a.begin(granted: 10, now: 0, stopping: true), .dispatchAndEnd)
        XCTAssertEqual(a.settle(downstreamDone: false), .exit, "nothing was sent, so nothing is awaited")
        var b = machine()
        _ = b.begin(granted: 10, now: 0, stopping: false)
        XCTAssertEqual(b.polled(status: SLUICE_OK, emitted: 2, elapsed: 0, now: 0, stopping: true), .dispatchAndEnd)
    }

    func testAnExhaustedBudgetEnds() {
        var m = machine()
        XCTAssertEqual(m.begin(granted: 0, now: 0, stopping: false), .dispatchAndEnd)
    }

    func testAPermanentPollFailureEnds() {
        var m = machine()
        _ = m.begin(granted: 10, now: 0, stopping: false)
        XCTAssertEqual(m.polled(status: SLUICE_PERMANENT, emitted: 1, elapsed: 0, now: 0, stopping: false), .dispatchAndEnd)
        XCTAssertEqual(m.state, .ending)
    }
}
