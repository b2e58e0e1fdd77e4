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

    /// A sink's write answer carries the failures and the plugin's metrics; cut short, refused.
    func testAWriteAnswerCarriesFailuresAndMetrics() throws {
        let bytes = IsolationWire.writeAnswer(status: Int32(bitPattern: SLUICE_RETRIABLE.rawValue),
                                              failures: [Failure(index: 2, retriable: true, reason: "busy")], metrics: metrics)
        for cut in 0 ..< bytes.count {
            XCTAssertNil(IsolationWire.readWriteAnswer(Array(bytes.prefix(cut))), "cut at \(cut)")
        }
        let answer = try XCTUnwrap(IsolationWire.readWriteAnswer(bytes))
        XCTAssertEqual(answer.status, Int32(bitPattern: SLUICE_RETRIABLE.rawValue))
        XCTAssertEqual(answer.failures, [Failure(index: 2, retriable: true, reason: "busy")])
        XCTAssertEqual(answer.metrics, metrics)
    }

    func testAHelloCarriesWhatTheChildCreatesItsComponentWith() {
        let hello = IsolationWire.Hello(config: JSONObject([("path", .string("/x")), ("n", .int(3))]), inputs: ["a", "b"],
                                        outputWired: [true, false], stateDirectory: "/state/p")
        XCTAssertEqual(IsolationWire.Hello(json: hello.json), hello)
        XCTAssertNil(IsolationWire.Hello(json: "{\"config\": 1}"))
        let reader = IsolationWire.Hello(config: JSONObject([("path", .string("/x"))]), stateDirectory: "/state/in/worker-2", worker: 2, workerCount: 3)
        let read = IsolationWire.Hello(json: reader.json)
        XCTAssertEqual(read, reader)
        XCTAssertEqual(read?.worker, 2, "a split source's reader learns its part in the child")
        XCTAssertEqual(read?.workerCount, 3)
    }

    /// Each message arrives whole (`WireChannel`): a reader takes all of it,
    /// and a message cut short or with bytes over is refused.
    func testMessageReadersRefuseAnythingButTheWholeMessage() throws {
        let answer = answerBytes()
        XCTAssertEqual(try XCTUnwrap(IsolationWire.readCallAnswer(answer)).answer.rejected, 2)
        XCTAssertNil(IsolationWire.readCallAnswer(answer + [0]))
        XCTAssertNil(IsolationWire.readCallAnswer(Array(answer.dropLast())))
        XCTAssertNil(IsolationWire.readCallAnswer([1, 0]))

        let write = IsolationWire.writeAnswer(status: 2, failures: [Failure(index: 4, retriable: true, reason: "later")], metrics: [])
        let read = try XCTUnwrap(IsolationWire.readWriteAnswer(write))
        XCTAssertEqual(read.status, 2)
        XCTAssertEqual(read.failures, [Failure(index: 4, retriable: true, reason: "later")])
        for cut in 0 ..< write.count {
            XCTAssertNil(IsolationWire.readWriteAnswer(Array(write.prefix(cut))), "cut at \(cut)")
        }
        XCTAssertNil(IsolationWire.readWriteAnswer(write + [0]))

        var started: [UInt8] = [IsolationWire.Started.retriable.rawValue]
        IsolationWire.put("not yet", into: &started)
        XCTAssertTrue(try XCTUnwrap(IsolationWire.readStarted(started)) == (.retriable, "not yet"))
        XCTAssertNil(IsolationWire.readStarted([9] + started.dropFirst()), "an unknown status")
        XCTAssertEqual(IsolationWire.readUInt32([7, 0, 0, 0]), 7)
        XCTAssertNil(IsolationWire.readUInt32([7, 0, 0, 0, 0]))

        let records = RecordBuffer()
        bson(5).withUnsafeBytes { records.append($0, eventTime: 12, key: nil, token: 77) }
        let request = IsolationWire.processRequest(records, port: 1)
        XCTAssertEqual(request.first, IsolationWire.Request.process.rawValue)
        let body = Array(request.dropFirst())
        let decoded = try XCTUnwrap(IsolationWire.read(body) { r in IsolationWire.readProcessRequest(&r) })
        XCTAssertEqual(decoded.port, 1)
        XCTAssertEqual(decoded.0.tokens, [77])
        XCTAssertNil(IsolationWire.read(body + [0]) { r in IsolationWire.readProcessRequest(&r) })
    }
}
