import NIOCore
import NIOHTTP1

/// One connection's requests: the page, its script, the series as JSON, and
/// the event stream. Runs on the connection's event loop.
final class DashboardHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let live: LiveSeries
    private let clients: @Sendable (Int) -> Void
    /// Set once this connection became an event stream; it then answers nothing else.
    private var stream: EventStream?

    init(live: LiveSeries, clients: @escaping @Sendable (Int) -> Void) {
        self.live = live
        self.clients = clients
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case let .head(head) = unwrapInboundIn(data), stream == nil else { return }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard head.method == .GET || head.method == .HEAD else {
            return respond(context, head, .methodNotAllowed, "text/plain", Array("use GET\n".utf8), extra: [("Allow", "GET, HEAD")])
        }
        switch path {
        case "/", "/index.html":
            respond(context, head, .ok, "text/html; charset=utf-8", DashboardPage.html(title: live.title))
        case "/dashboard.js":
            respond(context, head, .ok, "text/javascript; charset=utf-8", DashboardScript.bytes)
        case "/api/series":
            respond(context, head, .ok, "application/json", live.snapshot())
        case "/api/events" where head.method == .HEAD:
            respond(context, head, .ok, "text/event-stream", [])
        case "/api/events":
            openStream(context, head)
        case "/health":
            respond(context, head, .ok, "application/json", Array(#"{"status":"ok"}"#.utf8))
        default:
            respond(context, head, .notFound, "text/plain", Array("no such page \(path); the dashboard is at /\n".utf8))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let stream { clients(live.unsubscribe(stream)) }
        context.fireChannelInactive()
    }

    private func openStream(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                   ("X-Accel-Buffering", "no")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        // The browser's reconnect delay after the sink restarts, instead of its 3 s default.
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: "retry: 1000\n\n")))), promise: nil)
        let stream = EventStream(channel: context.channel)
        self.stream = stream
        clients(live.subscribe(stream))
    }

    private func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ status: HTTPResponseStatus,
                         _ contentType: String, _ body: [UInt8], extra: [(String, String)] = [])
    {
        var headers = HTTPHeaders(extra)
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
