@testable import HTTPSensorPlugin
import NIOCore
import XCTest

/// The push endpoint's per-connection clock, without I/O: one check
/// scheduled however often it is re-armed, and a timeout only once the
/// latest deadline passed.
final class PushRequestDeadlineTests: XCTestCase {
    private func at(_ ms: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(ms) * 1_000_000) }

    func testReArmingSchedulesOneCheckThatMovesToTheLatestDeadline() {
        var clock = RequestDeadline()
        XCTAssertEqual(clock.arm(until: at(100)), at(100), "the first arm schedules a check")
        XCTAssertNil(clock.arm(until: at(150)), "a check is already scheduled")
        XCTAssertNil(clock.arm(until: at(180)))
        XCTAssertEqual(clock.check(now: at(100)), .again(at(180)), "re-armed since: not a timeout")
        XCTAssertEqual(clock.check(now: at(179)), .again(at(180)))
        XCTAssertEqual(clock.check(now: at(180)), .expired)
        XCTAssertNil(clock.deadline)
        XCTAssertEqual(clock.arm(until: at(300)), at(300), "after a timeout the next arm schedules again")
    }

    func testADisarmedClockNeverTimesOutAndSchedulesAgainWhenReArmed() {
        var clock = RequestDeadline()
        _ = clock.arm(until: at(100))
        clock.disarm()
        XCTAssertEqual(clock.check(now: at(500)), .disarmed, "a request waiting for its answer is not timed")
        XCTAssertFalse(clock.scheduled)
        XCTAssertEqual(clock.arm(until: at(600)), at(600))
        clock.disarm()
        XCTAssertNil(clock.arm(until: at(700)), "the check for 600 is still scheduled and moves on to 700")
        XCTAssertEqual(clock.check(now: at(600)), .again(at(700)))
        XCTAssertEqual(clock.check(now: at(701)), .expired)
    }

    func testMediaTypesAreMatchedWithoutParametersBlanksOrCase() {
        XCTAssertEqual(ReadingOptions.format(contentType: "application/x-ndjson"), .ndjson)
        XCTAssertEqual(ReadingOptions.format(contentType: " Application/X-NDJSON ; charset=utf-8"), .ndjson)
        XCTAssertEqual(ReadingOptions.format(contentType: "application/jsonl"), .ndjson)
        XCTAssertEqual(ReadingOptions.format(contentType: "application/x-jsonlines"), .ndjson)
        XCTAssertEqual(ReadingOptions.format(contentType: "TEXT/CSV;header=present"), .csv)
        XCTAssertEqual(ReadingOptions.format(contentType: "\ttext/plain"), .text)
        XCTAssertEqual(ReadingOptions.format(contentType: "application/json"), .json)
        XCTAssertEqual(ReadingOptions.format(contentType: "text/csvx"), .json)
        XCTAssertEqual(ReadingOptions.format(contentType: "text/cs"), .json)
        XCTAssertEqual(ReadingOptions.format(contentType: ""), .json)
        XCTAssertEqual(ReadingOptions.format(contentType: nil), .json)
    }
}
