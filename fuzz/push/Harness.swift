import CSluicePlugin
import NIOCore
import NIOEmbedded
import NIOHTTP1
import SluiceSDK

/// libFuzzer entry for the push endpoint's HTTP handling: arbitrary bytes
/// fed, in chunks, to the pipeline the server gives each connection (NIO's
/// HTTP request decoder and `PushHandler`, `PushHandler.install`) on
/// an `EmbeddedChannel`, with readings offered to a real `PushInbox`. Never a
/// crash or a hang; every reading the inbox takes is well-formed BSON and no
/// request puts more than queue_capacity readings in it; no line longer
/// than max_line_bytes is held. The first byte picks the config (format,
/// utf8 policy), the second the chunk size.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    guard input.count >= 2 else { return 0 }
    PushFuzz.run(pick: input[0], chunk: input[1], bytes: UnsafeRawBufferPointer(rebasing: input[2...]))
    return 0
}

enum PushFuzz {
    /// A host whose metrics and log go nowhere: the handler's counters are not under test.
    static let host: PluginHost = {
        var api = sluice_host_api()
        api.struct_size = UInt32(MemoryLayout<sluice_host_api>.size)
        api.log = { _, _, _ in }
        api.metric = { _, _, _, _ in nil }
        let p = UnsafeMutablePointer<sluice_host_api>.allocate(capacity: 1)
        p.initialize(to: api)
        return PluginHost(UnsafePointer(p))
    }()

    static let configs: [ReadingOptions] = [
        #"{}"#,
        #"{"utf8": "replace", "format": "ndjson"}"#,
        #"{"format": "csv", "csv": {"separator": ";"}}"#,
        #"{"text": {"names": ["at", "temp"]}, "event_time": {"field": "at"}}"#,
    ].map { try! ReadingOptions(Config(json: $0), host: host) }

    static let stats = PushStats(accepted: host.metric(.counter, "a", help: ""), rejected: host.metric(.counter, "r", help: ""),
                                 unauthorized: host.metric(.counter, "u", help: ""))

    static func run(pick: UInt8, chunk: UInt8, bytes: UnsafeRawBufferPointer) {
        let capacity = 8
        let policy = PushPolicy(path: "/readings", token: pick & 0x10 == 0 ? nil : "t0k", maxBodyBytes: 4096, maxLineBytes: 256,
                                overloadStatus: .serviceUnavailable, retryAfterSeconds: 1, replyOnDelivery: pick & 0x20 != 0,
                                options: configs[Int(pick) % configs.count], requestTimeoutMillis: 1000, maxConnections: 4)
        let inbox = PushInbox(capacity: capacity, replyOnDelivery: policy.replyOnDelivery, dedupe: nil)
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        do {
            try PushHandler.install(PushHandler(policy: policy, inbox: inbox, stats: stats, refused: pick & 0x40 != 0),
                                    on: channel.pipeline.syncOperations)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        } catch {
            preconditionFailure("the pipeline did not start: \(error)")
        }
        let step = Int(chunk) + 1
        var at = 0
        while at < bytes.count, channel.isActive {
            var buffer = channel.allocator.buffer(capacity: step)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[at ..< min(at + step, bytes.count)]))
            // try?: after the 400 to bytes that are not HTTP (PushHandler.failed) the connection is closed, as on a socket.
            _ = try? channel.writeInbound(buffer)
            at += step
            drain(inbox, capacity: capacity)
            while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
        }
        // The client half-closes, then the request timeout passes.
        if channel.isActive { channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        drain(inbox, capacity: capacity)
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(2))
        drain(inbox, capacity: capacity)
    }

    /// The pipeline's side: takes what the inbox holds, checks it, and acknowledges it.
    static func drain(_ inbox: PushInbox, capacity: Int) {
        let queued = inbox.depth
        precondition(queued <= capacity, "the inbox holds \(queued) readings, more than its capacity \(capacity)")
        var tokens: [UInt64] = []
        inbox.take(max: 1000, timeoutMillis: 0) { document, _, token in
            precondition(BSONDocument.isWellFormed(document), "a pushed reading is malformed BSON")
            tokens.append(token)
        }
        tokens.withUnsafeBufferPointer { inbox.acknowledge($0) }
    }
}
