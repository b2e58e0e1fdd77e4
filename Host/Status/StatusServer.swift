import NIOHTTP1
import SluiceCore
import SluiceSDK

/// `sluice run --status-listen`: `GET /metrics` (Prometheus text) and
/// `GET /health` (200 while running, 503 once draining, so a load balancer
/// stops sending before the process exits).
enum StatusServer {
    static func start(listen: String, engine: Engine) throws -> LocalHTTPServer {
        guard let address = HostPort(listen) else {
            throw LocalHTTPServerError(description: "--status-listen: expected host:port, got \(listen.debugDescription)")
        }
        return try LocalHTTPServer(host: address.host, port: address.port, what: "--status-listen") { request in
            guard request.head.method == .GET else { return .init(status: .methodNotAllowed, contentType: "text/plain", body: "use GET\n") }
            switch request.path {
            case "/metrics":
                let text = Exposition.text(stages: engine.stageMetrics.map(\.snapshot), registry: engine.registry)
                return .init(contentType: Exposition.contentType, body: text)
            case "/health":
                return engine.control.isStopping
                    ? .init(status: .serviceUnavailable, body: #"{"status":"draining"}"# + "\n")
                    : .init(body: #"{"status":"running"}"# + "\n")
            default:
                return .init(status: .notFound, contentType: "text/plain", body: "try /metrics or /health\n")
            }
        }
    }
}
