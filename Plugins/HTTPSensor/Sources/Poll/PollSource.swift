import SluiceFormats
import SluiceHTTP
import SluiceSDK

/// `http-sensor.poll`: polls one or more REST endpoints for sensor readings.
///
/// Each URL keeps its own schedule: a success waits `interval_ms`; an error,
/// a 429 or a 5xx waits an exponential backoff with full jitter, or exactly
/// what `Retry-After` asks. Conditional requests (ETag, Last-Modified) let an
/// unchanged endpoint answer 304 with no body. Input that does not decode is
/// emitted as `{url, line, raw}` and dead-lettered with its reason.
public final class PollSource: Source {
    public static let name = "poll"
    public static let summary = "Polls REST endpoints (JSON, NDJSON, CSV or text lines) with ETags, backoff and Retry-After; drops repeats"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false,
     "properties": {
       "url": {"type": "string", "pattern": "^https?://", "description": "the URL to poll (redirects are followed); give url or urls"},
       "urls": {"type": "array", "items": {"type": "string", "pattern": "^https?://"}, "minItems": 1, "description": "URLs to poll, each on its own schedule and backoff; give url or urls"},
       "interval_ms": {"type": "integer", "minimum": 1, "description": "wait between successful polls of a URL (1000)"},
       "timeout_ms": {"type": "integer", "minimum": 1, "description": "per request (5000)"},
       "headers": {"type": "object", "additionalProperties": {"type": "string"}, "description": "header name → value, sent with every request"},
       "auth": {"type": "object", "additionalProperties": false, "description": "an Authorization header for every request: {bearer} or {username, password}",
         "properties": {
         "bearer": {"type": "string", "description": "sent as Authorization: Bearer TOKEN; wins over username"},
         "username": {"type": "string", "description": "HTTP basic auth user, with password"},
         "password": {"type": "string", "description": "basic auth password for username (default empty)"}}},
       "conditional": {"type": "boolean", "description": "send If-None-Match / If-Modified-Since (true)"},
       "backoff": {"type": "object", "additionalProperties": false,
         "description": "the wait before polling a URL again after a failure (no answer, 429, another 4xx or a 5xx): random, from initial_ms / 2 up to initial_ms doubled per failure in a row, at most max_ms; a Retry-After the server sends wins",
         "properties": {
         "initial_ms": {"type": "integer", "minimum": 1, "description": "the first retry's longest wait (500)"},
         "max_ms": {"type": "integer", "minimum": 1, "description": "the longest wait (60000)"}}},
       "max_retry_after_s": {"type": "integer", "minimum": 0, "description": "cap on a server's Retry-After (3600)"},
       "ca_file": {"type": "string", "format": "path", "description": "PEM CA certificates that https URLs must chain to (default: the system's); relative to the manifest"},
       "verify_tls": {"type": "boolean", "description": "check the server's certificate and host name on https (true); false accepts any, for tests only"},
    """# + ReadingOptions.schema + #"""
     },
     "oneOf": [{"required": ["url"]}, {"required": ["urls"]}]}
    """#

    /// One polled URL and its schedule.
    final class Endpoint {
        let url: String
        let client: HTTPClient
        var backoff: Backoff
        var dueMillis: Int64 = 0
        var etag: String?
        var lastModified: String?

        init(url: String, client: HTTPClient, backoff: Backoff) {
            self.url = url
            self.client = client
            self.backoff = backoff
        }
    }

    /// A decoded reading waiting for room in a poll, or an undecodable one.
    enum Pending {
        case reading([UInt8], eventTime: Int64?)
        case bad([UInt8], reason: String)
    }

    let host: PluginHost
    let endpoints: [Endpoint]
    let intervalMillis: Int64
    let conditional: Bool
    let maxRetryAfterMillis: Int64
    let options: ReadingOptions
    var dedupe: Dedupe?
    var pending: [Pending] = []
    var pendingStart = 0
    let requests, failures, notModified, duplicates: Metric

    public required init(config: Config, host: PluginHost) throws {
        self.host = host
        let urls = try config.strings("urls") ?? [config.requiredString("url")]
        for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw SluiceError.config("urls: \(url.debugDescription) is not an http:// or https:// URL")
        }
        intervalMillis = Int64(try config.int("interval_ms", default: 1000))
        conditional = try config.bool("conditional", default: true)
        maxRetryAfterMillis = Int64(try config.int("max_retry_after_s", default: 3600)) * 1000
        options = try ReadingOptions(config, host: host)
        dedupe = try ReadingOptions.dedupe(config)
        var headers = try config.object("headers")?.json.map { "\($0.key): \($0.value.string ?? "")" } ?? []
        if let auth = try config.object("auth") {
            if let token = try auth.string("bearer") {
                headers.append("Authorization: Bearer \(token)")
            } else if let user = try auth.string("username") {
                let pair = Array("\(user):\(try auth.string("password", default: ""))".utf8)
                headers.append("Authorization: Basic \(Base64.encode(pair))")
            }
        }
        let timeout = try config.int("timeout_ms", default: 5000)
        let backoff = try config.object("backoff")
        let initial = try backoff?.int("initial_ms", default: 500) ?? 500
        let maximum = try backoff?.int("max_ms", default: 60000) ?? 60000
        let caFile = try config.string("ca_file")
        let verify = try config.bool("verify_tls", default: true)
        endpoints = urls.map {
            Endpoint(url: $0, client: HTTPClient(headers: headers, caFile: caFile, verify: verify, timeoutMillis: timeout, followRedirects: true),
                     backoff: Backoff(initialMillis: initial, maxMillis: maximum))
        }
        requests = host.metric(.counter, "http_requests_total", help: "polls sent")
        failures = host.metric(.counter, "http_request_failures_total", help: "polls that failed: no response, 429, 4xx or 5xx")
        notModified = host.metric(.counter, "http_not_modified_total", help: "polls answered 304 Not Modified")
        duplicates = host.metric(.counter, "duplicates_dropped_total", help: "readings dropped as already seen (dedupe_key)")
    }

    public func poll(_ output: Output, maxRecords: Int, timeoutMillis: Int) throws -> PollResult {
        if pendingStart == pending.count, let next = endpoints.min(by: { $0.dueMillis < $1.dueMillis }) {
            let wait = next.dueMillis - now
            if wait > 0 {
                Backoff.sleep(millis: Int(min(wait, Int64(timeoutMillis)))) { host.isStopping }
                return .more
            }
            fetch(next)
        }
        drain(into: output, max: maxRecords)
        return .more
    }

    private var now: Int64 { Int64(host.monotonicNanos / 1_000_000) }

    private func fetch(_ endpoint: Endpoint) {
        var extra: [String] = []
        if conditional {
            if let etag = endpoint.etag { extra.append("If-None-Match: \(etag)") }
            if let lastModified = endpoint.lastModified { extra.append("If-Modified-Since: \(lastModified)") }
        }
        requests.record(1)
        let response: HTTPClient.Response
        do {
            response = try endpoint.client.send(method: "GET", url: endpoint.url, body: nil, headers: extra)
        } catch {
            return retryLater(endpoint, "GET \(endpoint.url): \(error)", retryAfter: nil)
        }
        switch response.status {
        case 200 ..< 300:
            endpoint.backoff.reset()
            endpoint.dueMillis = now + intervalMillis
            endpoint.etag = response.header("etag")
            endpoint.lastModified = response.header("last-modified")
            decode(response, from: endpoint.url)
        case 304:
            notModified.record(1)
            endpoint.backoff.reset()
            endpoint.dueMillis = now + intervalMillis
        default:
            let detail = String(decoding: response.body.prefix(200), as: UTF8.self)
            retryLater(endpoint, "GET \(endpoint.url): HTTP \(response.status) \(detail)", retryAfter: response.header("retry-after"))
        }
    }

    /// Schedules the next attempt after a failure. A server's `Retry-After`
    /// wins over the backoff: it knows when it will be ready.
    private func retryLater(_ endpoint: Endpoint, _ reason: String, retryAfter: String?) {
        failures.record(1)
        var delay = Int64(endpoint.backoff.nextDelayMillis())
        if let retryAfter, let asked = RetryAfter.delayMillis(retryAfter, nowMillis: host.wallMillis) {
            delay = min(asked, maxRetryAfterMillis)
        }
        endpoint.dueMillis = now + delay
        let level: PluginHost.LogLevel = endpoint.backoff.attempt <= 1 ? .warning : .debug
        host.log(level, "\(reason); retrying in \(delay) ms")
    }

    private func decode(_ response: HTTPClient.Response, from url: String) {
        let decoder = options.decoder(contentType: response.header("content-type"))
        if pendingStart == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingStart = 0
        }
        response.body.withUnsafeBytes { body in
            decoder.decode(body) { item in
                switch item {
                case let .record(bytes, _):
                    let accepted = bytes.withUnsafeBytes { raw -> Bool in
                        let doc = BSONDocument(raw)
                        guard dedupe?.isNew(doc) ?? true else { return false }
                        guard let rule = options.eventTime else {
                            pending.append(.reading(bytes, eventTime: nil))
                            return true
                        }
                        switch rule.millis(in: doc) {
                        case let .success(ms): pending.append(.reading(bytes, eventTime: ms))
                        case let .failure(f): pending.append(.bad(bytes, reason: "\(url): \(f.reason)"))
                        }
                        return true
                    }
                    if !accepted { duplicates.record(1) }
                case let .malformed(line, raw, reason):
                    var w = BSONWriter(capacity: raw.utf8.count + 64)
                    w.append("url", string: url)
                    w.append("line", int32: Int32(clamping: line))
                    w.append("raw", string: raw)
                    pending.append(.bad(w.finish(), reason: "\(url): \(reason)"))
                }
            }
        }
    }

    private func drain(into output: Output, max: Int) {
        var emitted = 0
        while pendingStart < pending.count, emitted < max {
            switch pending[pendingStart] {
            case let .reading(bytes, eventTime):
                output.emit(bytes, eventTime: eventTime)
            case let .bad(bytes, reason):
                output.emit(bytes)
                output.fail(emitted, reason)
            }
            emitted += 1
            pendingStart += 1
        }
    }
}
