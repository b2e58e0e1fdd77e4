import NIOCore
import NIOHTTP1
import SluiceFormats
import SluiceSDK
import Synchronization

/// What the push endpoint enforces, fixed at start.
struct PushPolicy: Sendable {
    let path: String
    let token: String?
    let maxBodyBytes: Int
    /// The longest NDJSON, CSV or text line held while its body streams in.
    let maxLineBytes: Int
    let overloadStatus: HTTPResponseStatus
    let retryAfterSeconds: Int
    let replyOnDelivery: Bool
    let options: ReadingOptions
    /// A request's head and body must arrive within this, and an idle
    /// connection is closed after it: a client that sends slowly, or not at
    /// all, cannot hold a connection (and its buffer) for ever.
    let requestTimeoutMillis: Int
    /// Most connections open at once; more are answered 503 and closed.
    let maxConnections: Int
}

/// Counts the endpoint's open connections against `max_connections`.
final class ConnectionGate: Sendable {
    private let open = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection in; false when it is one too many (and not counted).
    func enter() -> Bool {
        if open.wrappingAdd(1, ordering: .relaxed).newValue <= limit { return true }
        open.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func leave() { open.wrappingSubtract(1, ordering: .relaxed) }
}

/// One connection's requests: checks, decodes, offers the readings to the
/// inbox and answers. Runs on the connection's event loop, after NIO's
/// request decoder and nothing else (`install`): it writes its answers
/// whole (`HTTPAnswer`), and keeps pipelined requests in order by holding
/// what arrives while a request waits for the inbox.
final class PushHandler: ChannelDuplexHandler, PushReplyTarget {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What arrived after a request that still waits for its answer.
    private enum Held {
        case part(HTTPServerRequestPart)
        case inputClosed
        case error(Error)
    }

    private enum State {
        case idle
        /// A body, decoded into readings as it arrives.
        case streaming(HTTPRequestHead, any BodyReadings)
        /// The answer was decided at the head; the body is read and dropped.
        case answering(HTTPRequestHead, HTTPResponseStatus, JSONValue, [(String, String)])
        /// Answered 413 mid-body; the rest of the stream is dropped.
        case draining
    }

    private let policy: PushPolicy
    private let inbox: PushInbox
    private let stats: PushStats
    /// Over `max_connections`: every request is answered 503 and the connection closed.
    private let refused: Bool
    private var state = State.idle
    private var deadline = RequestDeadline()
    /// The scheduled deadline check, cancelled when the connection closes.
    private var timer: Scheduled<Void>?
    /// The client closed its sending side (a half-close): once it has its
    /// answer the connection is closed. A body cut off by it is answered
    /// 400 (`failed`), as the decoder sees the body end early.
    private var inputClosed = false
    /// The request whose readings are in the inbox and whose answer is not
    /// sent yet. Until it is, later requests wait in `held`, and once anything
    /// is held, reading from the socket waits too (`readHeld`), so a
    /// pipelining client is answered in order and cannot queue more than one
    /// read's worth.
    private var pending: HTTPRequestHead?
    private var held = CircularBuffer<Held>()
    private var readHeld = false
    /// The last answer closes the connection: nothing held is replayed.
    private var closing = false
    /// The context `answer` writes to: this handler's, from `handlerAdded` to `handlerRemoved`.
    private var context: ChannelHandlerContext?
    /// The last 2xx answer as encoded (`AcceptedAnswer.bytes`), sent again while
    /// the counts stay the same (they do for a client sending equal batches).
    private var accepted: AcceptedAnswer?
    /// What the connection's NDJSON lines leave for the next: a client sends
    /// readings of one shape, so keys are compared, not scanned (used on the
    /// channel's event loop only, as the handler is).
    private let lineMemory = JSONLineMemory()
    /// The connection's last request's Content-Type and the decoder it chose (`decoder(contentType:)`).
    private var lastDecoder: (contentType: String?, decoder: RecordDecoder)?

    init(policy: PushPolicy, inbox: PushInbox, stats: PushStats, refused: Bool = false) {
        self.policy = policy
        self.inbox = inbox
        self.stats = stats
        self.refused = refused
    }

    /// A connection's handlers: NIO's request decoder, then `handler`.
    static func install(_ handler: PushHandler, on pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        try pipeline.addHandler(handler)
    }

    /// Passes a read on only while nothing read is held. A client that waits
    /// for each answer (most do) sends nothing while its request waits, so
    /// its socket stays registered for reading: stopping and restarting reads
    /// around every request was two epoll_ctl calls per request.
    func read(context: ChannelHandlerContext) {
        if held.isEmpty { context.read() } else { readHeld = true }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent {
            if waiting { held.append(.inputClosed) } else { closeInput(context) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func closeInput(_ context: ChannelHandlerContext) {
        inputClosed = true
        if case .idle = state, pending == nil { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if waiting { held.append(.error(error)) } else { failed(context, error) }
    }

    /// A request that is not valid HTTP, or a body cut off by a half-close,
    /// is answered 400 (as NIO's protocol-error handler would) unless its
    /// answer went out already; any other error ends the connection. Whatever
    /// the body held is dropped, never offered.
    private func failed(_ context: ChannelHandlerContext, _ error: Error) {
        let answered: Bool
        if case .draining = state { answered = true } else { answered = false }
        state = .draining
        timer?.cancel()
        if error is HTTPParserError, !answered {
            stats.rejected.record(1)
            let answer = HTTPAnswer.encode(.http1_1, .badRequest, body: JSONWriter.string(["error": .string("not a valid HTTP request: \(error)")]),
                                           close: true, allocator: context.channel.allocator)
            send(context, answer, keepAlive: false)
        } else {
            context.close(promise: nil)
        }
    }

    /// A request waits for the inbox, or events held behind it are not replayed yet.
    private var waiting: Bool { pending != nil || !held.isEmpty }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    /// Starts the clock for the next request (or the idle connection).
    private func arm(_ context: ChannelHandlerContext) {
        guard let at = deadline.arm(until: .now() + .milliseconds(Int64(policy.requestTimeoutMillis))) else { return }
        scheduleCheck(at, context)
    }

    private func scheduleCheck(_ at: NIODeadline, _ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: at) {
            let (handler, context) = bound.value
            switch handler.deadline.check(now: .now()) {
            case .expired: handler.timedOut(context)
            case let .again(at): handler.scheduleCheck(at, context)
            case .disarmed: break
            }
        }
    }

    private func timedOut(_ context: ChannelHandlerContext) {
        let unfinished: HTTPRequestHead?
        switch state {
        case let .streaming(head, _): unfinished = head
        default: unfinished = nil
        }
        if let head = unfinished {
            stats.rejected.record(1)
            state = .draining
            respond(context, head, .requestTimeout, ["error": .string("the request did not arrive within request_timeout_ms (\(policy.requestTimeoutMillis))")],
                    thenCloseOutput: true)
        } else {
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if waiting { held.append(.part(part)) } else { handle(part, context) }
    }

    /// Replays what was held while a request waited, up to the next request
    /// that waits, then, once nothing is held, lets the socket be read again.
    private func resume(_ context: ChannelHandlerContext) {
        while pending == nil, !closing, let next = held.popFirst() {
            switch next {
            case let .part(part): handle(part, context)
            case .inputClosed: closeInput(context)
            case let .error(error): failed(context, error)
            }
        }
        if held.isEmpty, readHeld {
            readHeld = false
            context.read()
        }
    }

    private func handle(_ part: HTTPServerRequestPart, _ context: ChannelHandlerContext) {
        switch (part, state) {
        case let (.head(head), _):
            begin(head, context)
        case let (.body(chunk), .streaming(head, body)):
            guard body.received + chunk.readableBytes <= policy.maxBodyBytes else {
                state = .draining
                return tooLarge(head, context)
            }
            switch chunk.withUnsafeReadableBytes({ body.feed($0) }) {
            case .more: break
            case .tooMany:
                state = .draining
                overCapacity(head, body.readings.count, context, thenCloseOutput: true)
            case let .lineTooLong(line):
                state = .draining
                lineTooLong(head, line, context)
            }
        case (.body, _):
            break
        case let (.end, .streaming(head, body)):
            state = .idle
            deadline.disarm()
            body.finish()
            if let failure = body.failure { return badRequest(context, head, failure.reason, line: failure.line) }
            offer(head, body.readings, context)
        case let (.end, .answering(head, status, body, headers)):
            state = .idle
            respond(context, head, status, body, headers: headers)
        case (.end, _):
            state = .idle
        }
    }

    private func begin(_ head: HTTPRequestHead, _ context: ChannelHandlerContext) {
        if refused {
            // At once, without reading the body: a connection over the limit should cost nothing.
            stats.rejected.record(1)
            state = .draining
            return respond(context, head, .serviceUnavailable,
                           ["error": .string("too many connections (max_connections \(policy.maxConnections)); send again after Retry-After")],
                           headers: [("Retry-After", String(policy.retryAfterSeconds))], thenCloseOutput: true)
        }
        // By bytes: a search by Characters was a third of this function.
        let path = head.uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(head.uri[..<$0]) } ?? head.uri
        if head.method == .GET, path == "/health" {
            state = .answering(head, .ok, ["status": "ok", "queued": .int(Int64(inbox.depth))], [])
            return
        }
        guard path == policy.path else {
            state = .answering(head, .notFound, ["error": .string("no such path \(path); readings are POSTed to \(policy.path)")], [])
            return
        }
        guard head.method == .POST || head.method == .PUT else {
            state = .answering(head, .methodNotAllowed, ["error": "use POST"], [("Allow", "POST, PUT")])
            return
        }
        if let token = policy.token, head.headers.first(name: "authorization") != "Bearer \(token)" {
            stats.unauthorized.record(1)
            state = .answering(head, .unauthorized, ["error": "a valid bearer token is required"],
                              [("WWW-Authenticate", #"Bearer realm="sluice""#)])
            return
        }
        let length = head.headers.first(name: "content-length").flatMap(Int.init)
        if let length, length > policy.maxBodyBytes {
            state = .draining
            return tooLarge(head, context)
        }
        // BSON of small JSON readings is about their JSON's size plus a little;
        // capped, as a length is only a claim until the bytes arrive.
        let expected = min(length.map { $0 + $0 / 4 } ?? 0, 1 << 16)
        if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(HTTPAnswer.continueSending(head.version, allocator: context.channel.allocator)), promise: nil)
        }
        let decoder = decoder(contentType: head.headers.first(name: "content-type"))
        if decoder.format == .json {
            state = .streaming(head, JSONBodyReadings(options: policy.options, capacity: inbox.capacity, expectedBytes: expected))
        } else {
            state = .streaming(head, LineBodyReadings(decoder: decoder, eventTime: policy.options.eventTime, capacity: inbox.capacity,
                                                      maxLineBytes: min(policy.maxLineBytes, policy.maxBodyBytes), expectedBytes: expected,
                                                      memory: lineMemory))
        }
    }

    /// The decoder a Content-Type names; the last one again while the
    /// connection's requests keep their Content-Type, as a client's do
    /// (choosing it again cost about 500 instructions a request more than this).
    private func decoder(contentType: String?) -> RecordDecoder {
        if let last = lastDecoder, last.contentType == contentType { return last.decoder }
        let decoder = policy.options.decoder(contentType: contentType)
        lastDecoder = (contentType, decoder)
        return decoder
    }

    /// Answers 413 and stops reading: closing our side, not the socket,
    /// lets the client read the answer instead of a reset.
    private func tooLarge(_ head: HTTPRequestHead, _ context: ChannelHandlerContext) {
        stats.rejected.record(1)
        respond(context, head, .payloadTooLarge, ["error": .string("the body is larger than max_body_bytes (\(policy.maxBodyBytes))")],
                thenCloseOutput: true)
    }

    /// Answers 413 and stops reading: the line would have to be held whole.
    private func lineTooLong(_ head: HTTPRequestHead, _ line: Int, _ context: ChannelHandlerContext) {
        stats.rejected.record(1)
        respond(context, head, .payloadTooLarge,
                ["error": .string("line \(line) is longer than max_line_bytes (\(min(policy.maxLineBytes, policy.maxBodyBytes))); nothing was kept"),
                 "line": .int(Int64(line))],
                thenCloseOutput: true)
    }

    /// Answers 413: more readings than the inbox can ever hold. Taking them
    /// anyway would put more than queue_capacity in memory.
    private func overCapacity(_ head: HTTPRequestHead, _ count: Int, _ context: ChannelHandlerContext, thenCloseOutput: Bool) {
        stats.rejected.record(1)
        let counted = thenCloseOutput ? "over \(inbox.capacity)" : "\(count)"
        respond(context, head, .payloadTooLarge,
                ["error": .string("the body holds \(counted) readings, more than queue_capacity (\(inbox.capacity)); send it in parts")],
                thenCloseOutput: thenCloseOutput)
    }

    /// Hands a whole request's readings to the inbox, or answers why not.
    private func offer(_ head: HTTPRequestHead, _ readings: PushReadings, _ context: ChannelHandlerContext) {
        guard !readings.isEmpty else { return badRequest(context, head, "the body holds no readings", line: 0) }
        guard readings.count <= inbox.capacity else { return overCapacity(head, readings.count, context, thenCloseOutput: false) }

        pending = head
        if !inbox.offer(readings, reply: PushInbox.Reply(self, loop: context.eventLoop)) {
            pending = nil
            stats.rejected.record(1)
            respond(context, head, policy.overloadStatus,
                    ["error": "the pipeline is full; nothing was kept, send again after Retry-After", "queued": .int(Int64(inbox.depth))],
                    headers: [("Retry-After", String(policy.retryAfterSeconds))])
        }
    }

    /// The inbox's word on the pending request.
    func answer(_ outcome: PushInbox.Outcome) {
        guard let context, let head = pending else { return }
        switch outcome {
        case let .accepted(n, duplicates):
            stats.accepted.record(Double(n))
            let status = policy.replyOnDelivery ? HTTPResponseStatus.ok : .accepted
            if accepted?.matches(head, status, n, duplicates) != true {
                accepted = AcceptedAnswer(head, status, n, duplicates, allocator: context.channel.allocator)
            }
            send(context, accepted!.bytes, keepAlive: head.isKeepAlive)
        case .unavailable:
            respond(context, head, .serviceUnavailable, ["error": "the pipeline stopped before taking the readings; send them again"],
                    headers: [("Retry-After", String(policy.retryAfterSeconds))])
        }
        resume(context)
    }

    private func badRequest(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ reason: String, line: Int) {
        stats.rejected.record(1)
        var body = JSONObject([("error", .string(reason))])
        if line > 0 { body["line"] = .int(Int64(line)) }
        respond(context, head, .badRequest, .object(body))
    }

    private func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ status: HTTPResponseStatus, _ body: JSONValue,
                         headers extra: [(String, String)] = [], thenCloseOutput: Bool = false)
    {
        let answer = HTTPAnswer.encode(head.version, status, body: JSONWriter.string(body), headers: extra,
                                       close: !head.isKeepAlive || thenCloseOutput, allocator: context.channel.allocator)
        send(context, answer, keepAlive: head.isKeepAlive, thenCloseOutput: thenCloseOutput)
    }

    /// Writes an answer and flushes it; then closes, or arms the next request's deadline.
    private func send(_ context: ChannelHandlerContext, _ answer: ByteBuffer, keepAlive: Bool, thenCloseOutput: Bool = false) {
        pending = nil
        guard thenCloseOutput || !keepAlive || refused || inputClosed else {
            // No promise: a future per answer only to learn it was written.
            context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
            return arm(context)
        }
        closing = true
        let done = context.writeAndFlush(wrapOutboundOut(answer))
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        if thenCloseOutput {
            done.whenComplete { _ in bound.value.close(mode: .output, promise: nil) }
        } else {
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}

/// Counters the handlers share.
struct PushStats: Sendable {
    let accepted: Metric
    let rejected: Metric
    let unauthorized: Metric
}
