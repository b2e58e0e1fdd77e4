import NIOCore
import NIOHTTP1
import NIOPosix
import SluiceSDK

/// `http-sensor.push`: an HTTP endpoint that sensors and gateways POST readings to.
///
/// A request is all or nothing. A body that does not decode is answered 400
/// with the reason and line, and nothing of it is kept. When the pipeline is
/// full the answer is 503 (or 429) with `Retry-After`, never a 2xx followed
/// by a drop. 2xx comes once the readings left the inbox for the pipeline
/// (`ack: enqueued`, 202) or, with `ack: delivered`, once every sink wrote
/// them (200): a client that resends on anything but 2xx loses nothing.
public final class PushSource: Source {
    public static let name = "push"
    public static let summary = "Accepts readings POSTed as JSON, NDJSON or CSV; bearer auth, 413/400/401, 503 with Retry-After when full"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false,
     "properties": {
       "listen": {"type": "string", "pattern": "^.+:[0-9]{1,5}$", "description": "host:port to bind (127.0.0.1:8080); port 0 picks a free one"},
       "path": {"type": "string", "pattern": "^/", "description": "where readings are POSTed (/readings)"},
       "auth_token": {"type": "string", "description": "required as Authorization: Bearer <token>"},
       "max_body_bytes": {"type": "integer", "minimum": 1, "description": "larger bodies get 413 (10485760)"},
       "max_line_bytes": {"type": "integer", "minimum": 1, "description": "an NDJSON, CSV or text line longer than this gets 413; a line is all a body holds in memory as it streams (1048576)"},
       "queue_capacity": {"type": "integer", "minimum": 1, "description": "readings held for the pipeline before 503 (10000)"},
       "overload_status": {"enum": [429, 503], "description": "the answer when full (503)"},
       "retry_after_s": {"type": "integer", "minimum": 0, "description": "Retry-After sent with 429/503 (1)"},
       "ack": {"enum": ["enqueued", "delivered"], "description": "when 2xx is sent (enqueued)"},
       "threads": {"type": "integer", "minimum": 1, "maximum": 64, "description": "event-loop threads (1)"},
       "request_timeout_ms": {"type": "integer", "minimum": 1, "description": "a request must arrive whole within this, and idle connections close after it; else 408 (10000)"},
       "max_connections": {"type": "integer", "minimum": 1, "description": "connections open at once; more are answered 503 and closed (256)"},
    """# + ReadingOptions.schema + #"""
     }}
    """#

    let inbox: PushInbox
    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let depth: Metric

    /// The bound port; with port 0, the one the system chose.
    var port: Int { channel.localAddress?.port ?? 0 }

    public required init(config: Config, host: PluginHost) throws {
        let options = try ReadingOptions(config, host: host)
        let ack = try config.string("ack", default: "enqueued")
        let status = try config.int("overload_status", default: 503)
        let policy = PushPolicy(
            path: try config.string("path", default: "/readings"),
            token: try config.string("auth_token").flatMap { $0.isEmpty ? nil : $0 },
            maxBodyBytes: try config.int("max_body_bytes", default: 10 << 20),
            maxLineBytes: try config.int("max_line_bytes", default: 1 << 20),
            overloadStatus: status == 429 ? .tooManyRequests : .serviceUnavailable,
            retryAfterSeconds: try config.int("retry_after_s", default: 1),
            replyOnDelivery: ack == "delivered",
            options: options,
            requestTimeoutMillis: try config.int("request_timeout_ms", default: 10_000),
            maxConnections: try config.int("max_connections", default: 256))
        inbox = PushInbox(capacity: try config.int("queue_capacity", default: 10_000), replyOnDelivery: policy.replyOnDelivery,
                          dedupe: try ReadingOptions.dedupe(config))
        let stats = PushStats(
            accepted: host.metric(.counter, "readings_accepted_total", help: "pushed readings answered 2xx"),
            rejected: host.metric(.counter, "requests_rejected_total", help: "requests answered 400, 413, 429 or 503"),
            unauthorized: host.metric(.counter, "requests_unauthorized_total", help: "requests without a valid bearer token"))
        depth = host.metric(.gauge, "inbox_readings", help: "pushed readings waiting for the pipeline")

        let listen = try config.hostPort("listen", default: "127.0.0.1:8080")
        group = MultiThreadedEventLoopGroup(numberOfThreads: try config.int("threads", default: 1))
        let inbox = self.inbox
        let gate = ConnectionGate(limit: policy.maxConnections)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            // A client that sends its request and then closes its side still hears the answer (PushHandler).
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                let admitted = gate.enter()
                if admitted { channel.closeFuture.whenComplete { _ in gate.leave() } }
                return channel.eventLoop.makeCompletedFuture {
                    try PushHandler.install(PushHandler(policy: policy, inbox: inbox, stats: stats, refused: !admitted),
                                            on: channel.pipeline.syncOperations)
                }
            }
        do {
            channel = try bootstrap.bind(host: listen.host, port: listen.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw SluiceError.config("listen: cannot listen on \(listen.host):\(listen.port): \(error)")
        }
        host.log(.info, "accepting readings on http://\(listen.shownHost):\(port)\(policy.path)")
    }

    deinit {
        inbox.close()
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    public func poll(_ output: Output, maxRecords: Int, timeoutMillis: Int) throws -> PollResult {
        let left = inbox.take(max: maxRecords, timeoutMillis: min(timeoutMillis, 100)) { document, eventTime, token in
            output.emit(document, eventTime: eventTime, token: token)
        }
        depth.record(Double(left))
        return .more
    }

    public func ack(tokens: UnsafeBufferPointer<UInt64>) {
        inbox.acknowledge(tokens)
    }
}
