import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server for the CLI's own endpoints (the status port, the
/// sensor simulator): every request is answered by `respond`, whose answer
/// may ask to be sent late.
final class LocalHTTPServer: Sendable {
    /// A request, its target split into path and query parameters.
    struct Request {
        let head: HTTPRequestHead
        let path: String
        let query: [String: String]

        init(_ head: HTTPRequestHead) {
            self.head = head
            let parts = head.uri.split(separator: "?", maxSplits: 1)
            path = parts.first.map(String.init) ?? "/"
            var query: [String: String] = [:]
            for pair in parts.dropFirst().first?.split(separator: "&") ?? [] {
                let kv = pair.split(separator: "=", maxSplits: 1)
                query[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
            }
            self.query = query
        }
    }

    struct Answer {
        var status: HTTPResponseStatus = .ok
        var contentType = "application/json"
        var body = ""
        var headers: [(String, String)] = []
        /// Sent this long after the request (a slow server, on purpose).
        var delayMillis: Int64 = 0
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: Channel
    private let host: String

    /// Where it listens; with port 0, on the port the system chose.
    var url: String { "http://\(host):\(channel.localAddress?.port ?? 0)" }

    /// Binds `host:port`; errors name `what` (e.g. "--status-listen").
    init(host: String, port: Int, what: String, respond: @escaping @Sendable (Request) -> Answer) throws {
        self.host = host
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(Responder(respond: respond))
                    }
                }
                .bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw LocalHTTPServerError(description: "\(what): cannot listen on \(host):\(port): \(error)")
        }
    }

    /// Stops listening; `wait()` then returns.
    func close() {
        channel.close(promise: nil)
    }

    /// Blocks until `close()`, then releases the event loop.
    func wait() throws {
        try channel.closeFuture.wait()
        try group.syncShutdownGracefully()
    }

}

struct LocalHTTPServerError: Error, CustomStringConvertible {
    let description: String
}

private final class Responder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let respond: @Sendable (LocalHTTPServer.Request) -> LocalHTTPServer.Answer
    private var head: HTTPRequestHead?

    init(respond: @escaping @Sendable (LocalHTTPServer.Request) -> LocalHTTPServer.Answer) { self.respond = respond }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let answer = respond(LocalHTTPServer.Request(head))
            if answer.delayMillis > 0 {
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(answer.delayMillis)) {
                    bound.value.0.write(answer, head, bound.value.1)
                }
            } else {
                write(answer, head, context)
            }
        }
    }

    private func write(_ answer: LocalHTTPServer.Answer, _ head: HTTPRequestHead, _ context: ChannelHandlerContext) {
        var headers = HTTPHeaders(answer.headers)
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.utf8.count))
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: answer.status, headers: headers))), promise: nil)
        if !answer.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: answer.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
