import Foundation
import NIOHTTP1
import SluiceCore
import SluiceSDK
import Synchronization

/// `sluice run --status-listen`: `GET /metrics` (Prometheus text), `GET
/// /health` (200 while running, 503 once draining, so a load balancer stops
/// sending before the process exits), `GET /ready` (200 once every component
/// runs, 503 while one backs off or cannot reach its server) and `GET
/// /api/topology` (the graph with per-edge rates, as JSON; `sluice top` reads it).
final class StatusServer: Sendable {
    private let http: LocalHTTPServer
    private let sampler: RateSampler

    var url: String { http.url }

    init(listen: String, engine: Engine) throws {
        guard let address = HostPort(listen) else {
            throw LocalHTTPServerError(description: "--status-listen: expected host:port, got \(listen.debugDescription)")
        }
        let sampler = RateSampler(engine: engine)
        self.sampler = sampler
        http = try LocalHTTPServer(host: address.host, port: address.port, what: "--status-listen") { request in
            guard request.head.method == .GET else { return .init(status: .methodNotAllowed, contentType: "text/plain", body: "use GET\n") }
            switch request.path {
            case "/metrics":
                // Series appear as stages are built: an empty page until all are, never a page with some stages.
                guard engine.isBuilt else { return .init(contentType: RunMetrics.contentType, body: "") }
                engine.sampleGauges()
                return .init(contentType: RunMetrics.contentType, body: engine.metrics.exposition())
            case "/health":
                return engine.control.isStopping
                    ? .init(status: .serviceUnavailable, body: #"{"status":"draining"}"# + "\n")
                    : .init(body: #"{"status":"running"}"# + "\n")
            case "/ready":
                let readiness = engine.readiness
                return .init(status: readiness.isReady ? .ok : .serviceUnavailable, body: Self.json(ReadyBody(readiness)))
            case "/api/topology":
                return .init(body: Self.json(engine.topology(rates: sampler.window)))
            default:
                return .init(status: .notFound, contentType: "text/plain", body: "try /metrics, /health, /ready or /api/topology\n")
            }
        }
        sampler.start()
    }

    func close() {
        sampler.stop()
        http.close()
        try? http.wait()
    }

    private struct ReadyBody: Encodable {
        let status: String
        let reasons: [String]

        init(_ r: Readiness) {
            status = r.isReady ? "ready" : "not ready"
            reasons = r.reasons
        }
    }

    private static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "{}\n"
    }
}

/// Samples the engine's counters once a second into a `RateWindow`, so the
/// first topology request already has rates.
///
/// `@unchecked Sendable`: `timer` is set by `start` and cleared by `stop`,
/// both on the thread that owns the status server; the window is in a `Mutex`.
private final class RateSampler: @unchecked Sendable {
    let engine: Engine
    private let rates = Mutex(RateWindow())
    private var timer: DispatchSourceTimer?

    init(engine: Engine) { self.engine = engine }

    var window: RateWindow {
        let sample = engine.rateSample()
        return rates.withLock { w in
            var copy = w
            copy.add(sample)
            return copy
        }
    }

    func start() {
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "sluice.status.rates"))
        t.schedule(deadline: .now(), repeating: 1)
        t.setEventHandler { [weak self] in
            guard let self else { return }
            let sample = engine.rateSample()
            rates.withLock { $0.add(sample) }
        }
        t.resume()
        timer = t
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }
}
