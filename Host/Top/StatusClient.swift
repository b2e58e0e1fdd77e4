import NIOCore
import NIOHTTP1
import NIOPosix
import SluiceSDK

/// `sluice top`'s reader of a status server's pages: one GET per connection
/// over NIO, which the host links for its own servers. (libcurl would load
/// some thirty libraries into every `sluice` process, `run` included, for
/// this one command.)
final class StatusClient {
    /// A status page as the server answered it.
    struct Response: Sendable {
        let status: Int
        let body: [UInt8]
    }

    /// No HTTP response came back: connection refused, timeout, reset.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let address: HostPort
    private let timeout: TimeAmount

    /// `timeoutMillis` bounds the whole request, connecting included.
    init(address: HostPort, timeoutMillis: Int64) {
        self.address = address
        timeout = .milliseconds(timeoutMillis)
    }

    deinit {
        try? group.syncShutdownGracefully()
    }

    /// GETs `path`; throws only when no complete HTTP response came back in time.
    func get(_ path: String) throws -> Response {
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let expiry = loop.scheduleTask(in: timeout) { [timeout] in
            promise.fail(Failure(description: "no complete answer within \(timeout.nanoseconds / 1_000_000) ms"))
        }
        defer { expiry.cancel() }
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.pipeline.addHTTPClientHandlers().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise, reason: Self.reason))
                }
            }
            .connect(host: address.host, port: address.port)
        connected.whenFailure { [address] error in
            promise.fail(Failure(description: Self.connectionFailure(error, to: address)))
        }
        connected.whenSuccess { [address] channel in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "Host", value: address.authority)
            head.headers.add(name: "Connection", value: "close")
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        return try promise.futureResult.wait()
    }

    /// Why connecting failed, in the system's words: a name that resolves
    /// to no address, or the first address's refusal.
    private static func connectionFailure(_ error: Error, to address: HostPort) -> String {
        if let e = error as? NIOConnectionError, e.connectionErrors.isEmpty {
            return "cannot resolve \(address.host): no address for the name"
        }
        return "cannot connect to \(address.host) port \(address.port): \(reason(error))"
    }

    /// The system's words for why a connection failed ("Connection refused"), not NIO's wrapping of them.
    static func reason(_ error: Error) -> String {
        if let e = error as? NIOConnectionError, let first = e.connectionErrors.first { return reason(first.error) }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        if case ChannelError.connectTimeout = error { return "timed out" }
        return "\(error)"
    }
}

/// Gathers one response into the request's promise; the connection closing
/// first fails it (a promise completes once, so later calls do nothing).
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<StatusClient.Response>
    private let reason: (Error) -> String
    private var status = 0
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<StatusClient.Response>, reason: @escaping (Error) -> String) {
        self.promise = promise
        self.reason = reason
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head): status = Int(head.status.code)
        case var .body(buffer): body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end: promise.succeed(StatusClient.Response(status: status, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(StatusClient.Failure(description: reason(error)))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(StatusClient.Failure(description: "the connection closed before the response ended"))
        context.fireChannelInactive()
    }
}
