@testable import HTTPSensorPlugin
import NIOCore
import NIOHTTP1
import XCTest

/// A request's readings in one buffer, and the 2xx answer sent again while
/// it fits: value types, tested without I/O.
final class PushReadingsTests: XCTestCase {
    private func documents(_ readings: PushReadings) -> [([UInt8], Int64?)] {
        (0 ..< readings.count).map { i in readings.withReading(i) { (Array($0), $1) } }
    }

    func testReadingsComeBackAsAppendedInOrder() {
        var readings = PushReadings(reservingBytes: 4)
        XCTAssertTrue(readings.isEmpty)
        for doc: [UInt8] in [[1, 2, 3], [], [4], [5, 6, 7, 8, 9, 10]] {
            doc.withUnsafeBytes { readings.append($0, eventTime: nil) }
        }
        XCTAssertEqual(readings.count, 4)
        let back = documents(readings)
        XCTAssertEqual(back.map(\.0), [[1, 2, 3], [], [4], [5, 6, 7, 8, 9, 10]])
        XCTAssertEqual(back.map(\.1), [nil, nil, nil, nil])
        readings.removeAll()
        XCTAssertTrue(readings.isEmpty)
    }

    func testEventTimesStayWithTheirReadingsThroughAFilter() {
        var readings = PushReadings()
        for (i, time) in [(UInt8(1), Int64(10)), (2, 20), (3, 30), (4, 40)] {
            [i, i].withUnsafeBytes { readings.append($0, eventTime: time) }
        }
        let kept = readings.filter { $0[0] % 2 == 0 }
        let back = documents(kept)
        XCTAssertEqual(back.map(\.0), [[2, 2], [4, 4]])
        XCTAssertEqual(back.map(\.1), [20, 40])
        XCTAssertEqual(readings.count, 4, "filtering leaves the original as it was")
    }

    func testTheAcceptedAnswerIsReusedOnlyWhileEverythingInItFits() {
        let request = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/readings")
        let answer = AcceptedAnswer(request, .accepted, 10, 0, allocator: ByteBufferAllocator())
        XCTAssertEqual(String(buffer: answer.body), #"{"accepted":10,"duplicates":0}"# + "\n")
        XCTAssertEqual(answer.head.status, .accepted)
        XCTAssertEqual(answer.head.headers["Content-Length"], ["\(answer.body.readableBytes)"])
        XCTAssertEqual(answer.head.headers["Content-Type"], ["application/json"])
        XCTAssertEqual(answer.head.headers["Connection"], [])

        XCTAssertTrue(answer.matches(request, .accepted, 10, 0))
        XCTAssertFalse(answer.matches(request, .accepted, 9, 0), "another count")
        XCTAssertFalse(answer.matches(request, .accepted, 10, 1), "duplicates")
        XCTAssertFalse(answer.matches(request, .ok, 10, 0), "ack: delivered answers 200")
        var closing = request
        closing.headers.add(name: "Connection", value: "close")
        XCTAssertFalse(answer.matches(closing, .accepted, 10, 0), "a request without keep-alive is told Connection: close")
        XCTAssertFalse(answer.matches(HTTPRequestHead(version: .http1_0, method: .POST, uri: "/readings"), .accepted, 10, 0))

        let last = AcceptedAnswer(closing, .accepted, 10, 0, allocator: ByteBufferAllocator())
        XCTAssertEqual(last.head.headers["Connection"], ["close"])
    }
}
