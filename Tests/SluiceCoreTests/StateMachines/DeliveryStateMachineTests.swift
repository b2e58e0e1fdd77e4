import CSluicePlugin
@testable import SluiceCore
import SluiceSDK
import XCTest

/// Every transition of `DeliveryStateMachine`, without threads or plugins.
final class DeliveryStateMachineTests: XCTestCase {
    private func machine(initial: Int = 100, max: Int = 1000) -> DeliveryStateMachine {
        DeliveryStateMachine(stageName: "out", backoff: Backoff(initialMillis: initial, maxMillis: max))
    }

    private func retriable(_ i: Int, _ reason: String = "busy") -> Failure { Failure(index: i, retriable: true, reason: reason) }
    private func permanent(_ i: Int, _ reason: String = "bad") -> Failure { Failure(index: i, retriable: false, reason: reason) }

    /// Past the drain deadline, a stage whose last delivery failed does not
    /// call its component again: each call could take the component's own
    /// timeout, and the drain is bounded for the whole run.
    func testPastTheDeadlineAFailingStageDeadLettersWithoutCalling() {
        XCTAssertEqual(DeliveryStateMachine.skipped(count: 2, lastFailure: "server gone", now: 10, drainDeadline: 5),
                       [.init(index: 0, reason: "not written before the drain timeout: server gone", errorClass: .drainTimeout, attempts: 0),
                        .init(index: 1, reason: "not written before the drain timeout: server gone", errorClass: .drainTimeout, attempts: 0)])
        XCTAssertNil(DeliveryStateMachine.skipped(count: 2, lastFailure: nil, now: 10, drainDeadline: 5), "a healthy stage still tries")
        XCTAssertNil(DeliveryStateMachine.skipped(count: 2, lastFailure: "server gone", now: 4, drainDeadline: 5), "before the deadline it tries")
        XCTAssertNil(DeliveryStateMachine.skipped(count: 2, lastFailure: "server gone", now: 10, drainDeadline: nil), "not draining")
        var m = machine()
        _ = m.attempted(count: 1, status: SLUICE_RETRIABLE, failures: [retriable(0, "connection refused")], now: 0, drainDeadline: nil)
        XCTAssertEqual(m.retryReason, "connection refused")
    }

    func testCleanAttemptFinishesAndAccepts() {
        var m = machine()
        XCTAssertEqual(m.attempted(count: 3, status: SLUICE_OK, failures: [], now: 0, drainDeadline: nil),
                       .finished(accept: true, deadLetter: []))
        XCTAssertEqual(m.attempts, 1)
    }

    func testPermanentRecordFailuresAreDeadLetteredAndTheRestAccepted() {
        var m = machine()
        XCTAssertEqual(m.attempted(count: 3, status: SLUICE_OK, failures: [permanent(1, "no field x")], now: 0, drainDeadline: nil),
                       .finished(accept: true, deadLetter: [.init(index: 1, reason: "no field x")]))
    }

    func testRetriableRecordFailuresAreRetriedAloneAfterABackoff() {
        var m = machine()
        guard case let .retry(accept, dead, retry, delay, reason, log) =
            m.attempted(count: 4, status: SLUICE_OK, failures: [retriable(3, "429"), retriable(1, "429"), permanent(2)], now: 0, drainDeadline: nil)
        else { return XCTFail("expected a retry") }
        XCTAssertTrue(accept)
        XCTAssertEqual(dead, [.init(index: 2, reason: "bad")])
        XCTAssertEqual(retry, [1, 3], "retried in batch order")
        XCTAssertTrue((50 ... 100).contains(delay), "first delay \(delay) outside [initial/2, initial]")
        XCTAssertEqual(reason, "429")
        XCTAssertTrue(log, "the first retry is logged")
    }

    func testARetriableCallRetriesEverythingButPermanentFailures() {
        var m = machine()
        guard case let .retry(accept, dead, retry, _, reason, _) =
            m.attempted(count: 3, status: SLUICE_RETRIABLE, failures: [permanent(0)], now: 0, drainDeadline: nil)
        else { return XCTFail("expected a retry") }
        XCTAssertFalse(accept, "the output of a failed call is not accepted")
        XCTAssertEqual(dead.map(\.index), [0])
        XCTAssertEqual(retry, [1, 2])
        XCTAssertEqual(reason, "out asked to retry")
    }

    func testAPermanentCallDeadLettersEveryRecordWithAReason() {
        var m = machine()
        XCTAssertEqual(m.attempted(count: 2, status: SLUICE_PERMANENT, failures: [permanent(1, "bad doc")], now: 0, drainDeadline: nil),
                       .finished(accept: false, deadLetter: [.init(index: 1, reason: "bad doc"),
                                                             .init(index: 0, reason: "out failed with status 2 and gave no reason",
                                                                   errorClass: .failedCall)]))
    }

    func testOutOfRangeAndRepeatedFailuresCountOnce() {
        var m = machine()
        XCTAssertEqual(m.attempted(count: 2, status: SLUICE_OK, failures: [permanent(5), permanent(-1), permanent(0, "a"), permanent(0, "b")],
                                   now: 0, drainDeadline: nil),
                       .finished(accept: true, deadLetter: [.init(index: 0, reason: "a")]))
    }

    func testBackoffGrowsAndOnlyEveryTenthAttemptIsLogged() {
        var m = machine(initial: 10, max: 10_000)
        var logged: [Int] = []
        var ceilings: [Int] = []
        for attempt in 0 ..< 12 {
            guard case let .retry(_, _, _, delay, _, log) = m.attempted(count: 1, status: SLUICE_RETRIABLE, failures: [], now: 0, drainDeadline: nil)
            else { return XCTFail("expected a retry") }
            if log { logged.append(attempt) }
            ceilings.append(min(10_000, 10 << attempt))
            XCTAssertLessThanOrEqual(delay, ceilings.last!)
        }
        XCTAssertEqual(logged, [0, 10])
        XCTAssertEqual(m.attempts, 12)
    }

    func testDrainDeadlineCapsTheDelayAndThenGivesUp() {
        var m = machine(initial: 5000, max: 5000)
        let ms: UInt64 = 1_000_000
        guard case let .retry(_, _, _, delay, _, _) =
            m.attempted(count: 2, status: SLUICE_RETRIABLE, failures: [], now: 0, drainDeadline: 200 * ms)
        else { return XCTFail("expected a retry before the deadline") }
        XCTAssertLessThanOrEqual(delay, 200, "a backoff sleeps past the drain deadline")
        XCTAssertEqual(m.attempted(count: 2, status: SLUICE_OK, failures: [retriable(1, "503"), permanent(0)], now: 200 * ms, drainDeadline: 200 * ms),
                       .giveUp(accept: true, deadLetter: [.init(index: 0, reason: "bad", attempts: 2),
                                                          .init(index: 1, reason: "not written before the drain timeout: 503",
                                                                errorClass: .drainTimeout, attempts: 2)], attempts: 2))
    }

    func testARetryBudgetDeadLettersWhatStillFailsAfterMaxAttempts() {
        var m = DeliveryStateMachine(stageName: "out", backoff: Backoff(initialMillis: 1, maxMillis: 2), maxAttempts: 2)
        guard case .retry = m.attempted(count: 2, status: SLUICE_RETRIABLE, failures: [], now: 0, drainDeadline: nil) else {
            return XCTFail("the first failure is retried")
        }
        XCTAssertEqual(m.attempted(count: 2, status: SLUICE_OK, failures: [retriable(1, "503")], now: 0, drainDeadline: nil),
                       .finished(accept: true, deadLetter: [.init(index: 1, reason: "still failing after 2 attempt(s): 503",
                                                                  errorClass: .retriesExhausted, attempts: 2)]))
    }

    func testNoDeadlineMeansRetryForever() {
        var m = machine(initial: 1, max: 2)
        for _ in 0 ..< 100 {
            guard case .retry = m.attempted(count: 1, status: SLUICE_RETRIABLE, failures: [], now: .max, drainDeadline: nil) else {
                return XCTFail("gave up without a drain")
            }
        }
    }
}
