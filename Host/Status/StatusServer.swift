import NIOCore
import NIOHTTP1
import NIOPosix
import SluiceCore

/// `sluice run --status-listen`: `GET /metrics` (Prometheus text) and
/// `GET /health` (200 while running, 503 once draining, so a load balancer
/// stops sending before the process exits).
final class StatusServer {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: Channel
    private let host: String

    /// Where it listens; with port 0, on the port the system chose.
    var url: String { "http://\(host):\(channel.localAddress?.port ?? 0)" }

    init(listen: String, engine: Engine) throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw StatusServerError("--status-listen: expected host:port, got \(listen)")
        }
        host = String(listen[..<colon])
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(StatusHandler(engine: engine))
                    }
                }
                .bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw StatusServerError("--status-listen: cannot listen on \(listen): \(error)")
        }
    }

    func close() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

struct StatusServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private final class StatusHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let engine: Engine
    private var head: HTTPRequestHead?

    init(engine: Engine) { self.engine = engine }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let (status, type, body) = answer(head)
            var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", String(body.utf8.count))])
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !head.isKeepAlive { done.whenComplete { _ in context.close(promise: nil) } }
        }
    }

    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, String, String) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard head.method == .GET else { return (.methodNotAllowed, "text/plain", "use GET\n") }
        switch path {
        case "/metrics":
            return (.ok, Exposition.contentType, Exposition.text(stages: engine.stageMetrics.map(\.snapshot), registry: engine.registry))
        case "/health":
            return engine.control.isStopping
                ? (.serviceUnavailable, "application/json", #"{"status":"draining"}"# + "\n")
                : (.ok, "application/json", #"{"status":"running"}"# + "\n")
        default:
            return (.notFound, "text/plain", "try /metrics or /health\n")
        }
    }
}
