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
        let body = #"{"accepted":10,"duplicates":0}"# + "\n"
        XCTAssertEqual(String(buffer: answer.bytes),
                       "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)

        XCTAssertTrue(answer.matches(request, .accepted, 10, 0))
        XCTAssertFalse(answer.matches(request, .accepted, 9, 0), "another count")
        XCTAssertFalse(answer.matches(request, .accepted, 10, 1), "duplicates")
        XCTAssertFalse(answer.matches(request, .ok, 10, 0), "ack: delivered answers 200")
        var closing = request
        closing.headers.add(name: "Connection", value: "close")
        XCTAssertFalse(answer.matches(closing, .accepted, 10, 0), "a request without keep-alive is told Connection: close")
        XCTAssertFalse(answer.matches(HTTPRequestHead(version: .http1_0, method: .POST, uri: "/readings"), .accepted, 10, 0))

        let last = AcceptedAnswer(closing, .accepted, 10, 0, allocator: ByteBufferAllocator())
        XCTAssertTrue(String(buffer: last.bytes).contains("\r\nConnection: close\r\n\r\n"))
        let old = AcceptedAnswer(HTTPRequestHead(version: .http1_0, method: .POST, uri: "/readings"), .ok, 1, 0, allocator: ByteBufferAllocator())
        XCTAssertTrue(String(buffer: old.bytes).hasPrefix("HTTP/1.0 200 OK\r\n"), "the request's version")
    }

    func testAnswersCarryTheirExtraHeadersAndAnExactLength() {
        let answer = HTTPAnswer.encode(.http1_1, .serviceUnavailable, body: #"{"error":"full"}"#, headers: [("Retry-After", "1")],
                                       close: false, allocator: ByteBufferAllocator())
        let text = String(buffer: answer)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"), text)
        let parts = text.components(separatedBy: "\r\n\r\n")
        XCTAssertEqual(parts.count, 2)
        XCTAssertTrue(parts[0].contains("Content-Length: \(parts[1].utf8.count)"), text)
        XCTAssertFalse(parts[0].contains("Connection"), text)
        XCTAssertEqual(String(buffer: HTTPAnswer.continueSending(.http1_1, allocator: ByteBufferAllocator())), "HTTP/1.1 100 Continue\r\n\r\n")
    }
}
