import CSluicePlugin
@testable import SluiceCore
import SluiceSDK
import XCTest

/// The isolation wire's encodings, without a child: what the child sends
/// decodes to what it meant, and what does not parse is refused whole.
final class IsolationWireTests: XCTestCase {
    func bson(_ n: Int32) -> [UInt8] {
        var w = BSONWriter(capacity: 32)
        w.append("n", int32: n)
        return w.finish()
    }

    let metrics = [IsolationWire.MetricUpdate(kind: .counter, name: "seen_total{topic=\"a\"}", help: "Seen.", values: [3]),
                   IsolationWire.MetricUpdate(kind: .histogram, name: "size", help: "", values: [1.5, 0, 1e9]),
                   IsolationWire.MetricUpdate(kind: .gauge, name: "lag", help: "Lag.", values: [])]

    func answerBytes() -> [UInt8] {
        let main = RecordBuffer(), named = RecordBuffer()
        bson(1).withUnsafeBytes { d in
            [UInt8]("k1".utf8).withUnsafeBytes { k in main.append(d, eventTime: 1_700_000_000_000, key: k, token: 41, split: 3) }
        }
        bson(2).withUnsafeBytes { main.append($0, eventTime: .min, key: nil, token: 0) }
        bson(3).withUnsafeBytes { named.append($0, eventTime: .min, key: nil, token: 9) }
        let answer = IsolationWire.CallAnswer(status: Int32(bitPattern: SLUICE_OK.rawValue),
                                              failures: [Failure(index: 1, retriable: false, reason: "bad n")], rejected: 2,
                                              taken: [(0x1_0000_0002, 4), (7, 0)], attached: [(1, 7)], released: [0x2_0000_0001],
                                              revocations: [(1, [1, 3])], metrics: metrics)
        return IsolationWire.encode(answer, outputs: [main, named])
    }

    func testACallAnswerDecodesToWhatWasEncoded() throws {
        let framed = answerBytes()
        let length = framed.prefix(4).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        XCTAssertEqual(Int(length), framed.count - 4)
        var records: [(Int, Int64?, String?, Int64, UInt32, UInt64)] = []
        let answer = try XCTUnwrap(IsolationWire.decodeCallAnswer(Array(framed.dropFirst(4))) { output, r in
            records.append((output, BSONDocument(r.document)["n"]?.integer, r.key.map { String(decoding: $0, as: UTF8.self) }, r.eventTime, r.split, r.token))
        })
        XCTAssertEqual(answer.status, Int32(bitPattern: SLUICE_OK.rawValue))
        XCTAssertEqual(answer.failures, [Failure(index: 1, retriable: false, reason: "bad n")])
        XCTAssertEqual(answer.rejected, 2)
        XCTAssertEqual(answer.taken.map(\.hold), [0x1_0000_0002, 7])
        XCTAssertEqual(answer.taken.map(\.index), [4, 0])
        XCTAssertEqual(answer.attached.map(\.output), [1])
        XCTAssertEqual(answer.attached.map(\.hold), [7])
        XCTAssertEqual(answer.released, [0x2_0000_0001])
        XCTAssertEqual(answer.metrics, metrics)
        XCTAssertEqual(answer.revocations.map(\.position), [1])
        XCTAssertEqual(answer.revocations.map(\.splits), [[1, 3]])
        XCTAssertEqual(records.count, 3)
        XCTAssertTrue(records[0] == (0, 1, "k1", 1_700_000_000_000, 3, 41), "\(records[0])")
        XCTAssertTrue(records[1] == (0, 2, nil, .min, RecordBuffer.noSplit, 0), "\(records[1])")
        XCTAssertTrue(records[2] == (1, 3, nil, .min, RecordBuffer.noSplit, 9), "\(records[2])")
    }

    /// Every cut of an answer short of its end is refused, never read past.
    func testEveryTruncatedAnswerIsRefused() {
        let payload = Array(answerBytes().dropFirst(4))
        for cut in 0 ..< payload.count {
            XCTAssertNil(IsolationWire.decodeCallAnswer(Array(payload.prefix(cut))) { _, _ in }, "cut at \(cut)")
        }
        XCTAssertNil(IsolationWire.decodeCallAnswer(payload + [0]) { _, _ in }, "trailing bytes")
    }

    /// A sink's write answer, read from a pipe as the host reads it from the
    /// child: the failures and the plugin's metrics; cut short, refused.
    func testAWriteAnswerCarriesFailuresAndMetrics() throws {
        let bytes = IsolationWire.writeAnswer(status: Int32(bitPattern: SLUICE_RETRIABLE.rawValue),
                                              failures: [Failure(index: 2, retriable: true, reason: "busy")], metrics: metrics)
        for cut in [bytes.count, bytes.count - 1] {
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            XCTAssertTrue(ByteIO.writeAll(fds[1], Array(bytes.prefix(cut))))
            close(fds[1])
            let read = IsolationWire.readWriteAnswer(fds[0])
            close(fds[0])
            if cut < bytes.count {
                XCTAssertNil(read, "cut at \(cut)")
                continue
            }
            let answer = try XCTUnwrap(read)
            XCTAssertEqual(answer.status, Int32(bitPattern: SLUICE_RETRIABLE.rawValue))
            XCTAssertEqual(answer.failures, [Failure(index: 2, retriable: true, reason: "busy")])
            XCTAssertEqual(answer.metrics, metrics)
        }
    }

    func testAHelloCarriesWhatTheChildCreatesItsComponentWith() {
        let hello = IsolationWire.Hello(config: JSONObject([("path", .string("/x")), ("n", .int(3))]), inputs: ["a", "b"],
                                        outputWired: [true, false], stateDirectory: "/state/p")
        XCTAssertEqual(IsolationWire.Hello(json: hello.json), hello)
        XCTAssertNil(IsolationWire.Hello(json: "{\"config\": 1}"))
    }
}
