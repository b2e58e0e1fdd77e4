@testable import HTTPSensorPlugin
import CSluicePlugin
import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import SluiceSDK
import XCTest

/// How a pushed request reaches the pipeline's thread and what a connection
/// keeps between its requests: the inbox wakes a waiting `take` once per
/// round of reads, a connection stops reading only once it holds something,
/// and the decoder it keeps follows each request's Content-Type.
final class PushConnectionTests: XCTestCase {
    private final class Answers: PushReplyTarget {
        func answer(_ outcome: PushInbox.Outcome) {}
    }

    /// `@unchecked Sendable`: written by the taking thread before it fulfils
    /// its expectation, read only after waiting for it.
    private final class Taken: @unchecked Sendable {
        var count = 0
        var seconds = 0.0
    }

    private static func readings(_ n: Int) -> PushReadings {
        var readings = PushReadings()
        for _ in 0 ..< n { [5, 0, 0, 0, 0].withUnsafeBytes { readings.append($0, eventTime: nil) } }
        return readings
    }

    /// Records what a request was answered; on its event loop only.
    private final class Recorded: PushReplyTarget, @unchecked Sendable {
        // `@unchecked Sendable`: written and read on the one event loop the test submits to.
        var outcomes: [String] = []
        func answer(_ outcome: PushInbox.Outcome) { outcomes.append("\(outcome)") }
    }

    /// With `ack: delivered`, a request the pipeline takes over two polls is
    /// answered once every reading is acked: the acks of the first part,
    /// which can arrive before the second part is taken, count.
    func testADeliveredRequestTakenInTwoPollsIsAnsweredOnce() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let inbox = PushInbox(capacity: 100, replyOnDelivery: true, dedupe: nil)
        let answers = Recorded()
        XCTAssertTrue(try loop.submit { inbox.offer(Self.readings(5), reply: PushInbox.Reply(answers, loop: loop)) }.wait())
        for _ in 0 ..< 2 {
            var tokens: [UInt64] = []
            _ = inbox.take(max: 3, timeoutMillis: 0) { _, _, token in tokens.append(token) }
            try loop.submit {}.wait()
            XCTAssertEqual(try loop.submit { answers.outcomes }.wait(), [], "answered before every reading was acked")
            tokens.withUnsafeBufferPointer { inbox.acknowledge($0) }
        }
        try loop.submit {}.wait()
        XCTAssertEqual(try loop.submit { answers.outcomes }.wait(), ["accepted(readings: 5, duplicates: 0)"])
        inbox.close()
        try loop.submit {}.wait()
        XCTAssertEqual(try loop.submit { answers.outcomes }.wait().count, 1, "closing answers no request twice")
    }

    /// The wake-up is sent from a task on the event loop, after the offer
    /// returned: `take` must hear it, not wait out its timeout.
    func testAnOfferFromAnEventLoopWakesAWaitingTake() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let inbox = PushInbox(capacity: 100, replyOnDelivery: false, dedupe: nil)
        let taken = expectation(description: "take returned")
        let result = Taken()
        Thread.detachNewThread {
            let start = Date()
            _ = inbox.take(max: 100, timeoutMillis: 20_000) { _, _, _ in result.count += 1 }
            result.seconds = Date().timeIntervalSince(start)
            taken.fulfill()
        }
        usleep(200_000) // `take` is waiting by now
        for n in [3, 2] {
            XCTAssertTrue(try loop.submit { inbox.offer(Self.readings(n), reply: PushInbox.Reply(Answers(), loop: loop)) }.wait())
        }
        wait(for: [taken], timeout: 10)
        XCTAssertGreaterThanOrEqual(result.count, 3)
        XCTAssertLessThan(result.seconds, 5, "take waited for its timeout: the wake-up was lost")
    }

    /// `take` emits outside the inbox's lock: an event loop offering the
    /// next request meanwhile is not blocked until the pipeline took them all.
    func testAnOfferIsNotBlockedWhileTakeEmits() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let inbox = PushInbox(capacity: 100, replyOnDelivery: false, dedupe: nil)
        XCTAssertTrue(try loop.submit { inbox.offer(Self.readings(2), reply: PushInbox.Reply(Answers(), loop: loop)) }.wait())
        var emitted = 0
        _ = inbox.take(max: 100, timeoutMillis: 0) { _, _, _ in
            emitted += 1
            guard emitted == 1 else { return }
            let offered = DispatchSemaphore(value: 0)
            loop.execute {
                _ = inbox.offer(Self.readings(3), reply: PushInbox.Reply(Answers(), loop: loop))
                offered.signal()
            }
            XCTAssertEqual(offered.wait(timeout: .now() + 5), .success, "the offer waited for take to finish emitting")
        }
        XCTAssertEqual(emitted, 2)
        var next = 0
        XCTAssertEqual(inbox.take(max: 100, timeoutMillis: 0) { _, _, _ in next += 1 }, 0)
        XCTAssertEqual(next, 3, "the offer made meanwhile is taken next")
    }

    /// Counts the reads that reach the socket.
    private final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var reads = 0

        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    private static let host: PluginHost = {
        var api = sluice_host_api()
        api.struct_size = UInt32(MemoryLayout<sluice_host_api>.size)
        api.log = { _, _, _ in }
        api.metric = { _, _, _, _ in nil }
        let p = UnsafeMutablePointer<sluice_host_api>.allocate(capacity: 1)
        p.initialize(to: api)
        return PluginHost(UnsafePointer(p))
    }()

    /// A connection's pipeline on an `EmbeddedChannel`, with a `ReadCounter`
    /// nearest the socket, and its inbox.
    private func connection() throws -> (EmbeddedChannel, ReadCounter, PushInbox) {
        let options = try ReadingOptions(Config(json: "{}"), host: Self.host)
        let policy = PushPolicy(path: "/readings", token: nil, maxBodyBytes: 4096, maxLineBytes: 256,
                                overloadStatus: .serviceUnavailable, retryAfterSeconds: 1, replyOnDelivery: false,
                                options: options, requestTimeoutMillis: 10_000, maxConnections: 4)
        let stats = PushStats(accepted: Self.host.metric(.counter, "a", help: ""), rejected: Self.host.metric(.counter, "r", help: ""),
                              unauthorized: Self.host.metric(.counter, "u", help: ""))
        let inbox = PushInbox(capacity: 100, replyOnDelivery: false, dedupe: nil)
        let channel = EmbeddedChannel()
        let counter = ReadCounter()
        try channel.pipeline.syncOperations.addHandler(counter)
        try PushHandler.install(PushHandler(policy: policy, inbox: inbox, stats: stats), on: channel.pipeline.syncOperations)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, counter, inbox)
    }

    private func send(_ body: String, type: String, on channel: EmbeddedChannel) throws {
        try channel.writeInbound(channel.allocator.buffer(string: "POST /readings HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body))
    }

    /// Takes what the inbox holds (answering its requests); returns how many readings.
    private func takeAll(_ inbox: PushInbox, _ channel: EmbeddedChannel) -> Int {
        var n = 0
        _ = inbox.take(max: 100, timeoutMillis: 0) { _, _, _ in n += 1 }
        (channel.eventLoop as! EmbeddedEventLoop).run()
        return n
    }

    /// The status lines written since the last call.
    private func statuses(_ channel: EmbeddedChannel) throws -> [String] {
        var all: [String] = []
        while let b = try channel.readOutbound(as: ByteBuffer.self) { all.append(String(String(buffer: b).prefix(12))) }
        return all
    }

    /// While a request waits for the inbox the socket is still read (a
    /// client that waits for its answer sends nothing meanwhile), until
    /// something arrives: then reads stop until it was answered and replayed.
    func testAConnectionStopsReadingOnlyWhileItHoldsARequest() throws {
        let (channel, counter, inbox) = try connection()
        defer { _ = try? channel.finish() }
        let ndjson = "application/x-ndjson"
        let before = counter.reads
        try send(#"{"id":1}"# + "\n", type: ndjson, on: channel) // waits for the inbox
        channel.read()
        XCTAssertEqual(counter.reads, before + 1, "nothing is held: the socket is read")
        try send(#"{"id":2}"# + "\n", type: ndjson, on: channel) // pipelined behind it: held
        channel.read()
        XCTAssertEqual(counter.reads, before + 1, "a request is held: reading waits")
        XCTAssertEqual(takeAll(inbox, channel), 1)
        XCTAssertEqual(try statuses(channel), ["HTTP/1.1 202"])
        XCTAssertEqual(counter.reads, before + 2, "the held request was replayed: the held read goes out")
        XCTAssertEqual(takeAll(inbox, channel), 1)
        XCTAssertEqual(try statuses(channel), ["HTTP/1.1 202"])
        XCTAssertEqual(counter.reads, before + 2)
    }

    /// The decoder kept from the last request is used only for the same
    /// Content-Type: a CSV body after NDJSON ones is read as CSV, and the
    /// same bytes sent as NDJSON again are refused as NDJSON.
    func testEachRequestIsDecodedAsItsOwnContentTypeSays() throws {
        let (channel, _, inbox) = try connection()
        defer { _ = try? channel.finish() }
        let csv = "id,temp\n7,20.5\n8,21\n9,22\n"
        for (body, type, readings) in [(#"{"id":1}"# + "\n" + #"{"id":2}"# + "\n", "application/x-ndjson", 2),
                                       (#"{"id":3}"# + "\n", "application/x-ndjson", 1),
                                       (csv, "text/csv", 3), (csv, "text/csv; charset=utf-8", 3)] {
            try send(body, type: type, on: channel)
            XCTAssertEqual(takeAll(inbox, channel), readings, type)
            XCTAssertEqual(try statuses(channel), ["HTTP/1.1 202"], type)
        }
        try send(csv, type: "application/x-ndjson", on: channel)
        XCTAssertEqual(takeAll(inbox, channel), 0)
        XCTAssertEqual(try statuses(channel), ["HTTP/1.1 400"])
    }
}
