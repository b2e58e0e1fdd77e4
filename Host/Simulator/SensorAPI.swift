import Foundation
import NIOHTTP1
import SluiceSDK

/// The simulated beach sensor API's state, shared by every connection.
///
/// - `GET /`: the current reading as one text line; repeated until a new one
///   is due. Carries an ETag, so `If-None-Match` gets 304 when nothing changed.
/// - `GET /readings?format=json|ndjson|csv|text&n=K`: up to K readings not
///   served before (none: an empty list).
/// - `GET /stats`: what was served and injected, and when requests came.
/// `@unchecked Sendable`: every mutable field is read and written under `lock`.
final class SensorAPI: @unchecked Sendable {
    typealias Answer = LocalHTTPServer.Answer

    private let lock = NSLock()
    private let feed: ReadingFeed
    private var faults: FaultPlan
    private let token: String?
    private let started = DispatchTime.now().uptimeNanoseconds
    private var current: SensorReading?
    private var stats = (requests: 0, readings: 0, errors: 0, throttled: 0, notModified: 0, unauthorized: 0)
    private var arrivals: [Int64] = []

    init(feed: ReadingFeed, faults: FaultPlan, token: String?) {
        self.feed = feed
        self.faults = faults
        self.token = token
    }

    private var elapsedMillis: Int64 { Int64((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000) }

    func answer(_ request: LocalHTTPServer.Request) -> Answer {
        lock.withLock {
            let (head, path, query) = (request.head, request.path, request.query)
            guard head.method == .GET else { return Answer(status: .methodNotAllowed, body: #"{"error":"use GET"}"#) }
            if path == "/stats" { return statsAnswer() }
            guard path == "/" || path == "/readings" else {
                return Answer(status: .notFound, body: #"{"error":"try GET / or GET /readings?format=json&n=10"}"#)
            }
            stats.requests += 1
            if arrivals.count < 10_000 { arrivals.append(elapsedMillis) }
            if let token, head.headers["authorization"].first != "Bearer \(token)" {
                stats.unauthorized += 1
                return Answer(status: .unauthorized, body: #"{"error":"a valid bearer token is required"}"#,
                              headers: [("WWW-Authenticate", #"Bearer realm="sensors""#)])
            }
            var answer = Answer(delayMillis: faults.delayMillis())
            switch faults.failure() {
            case .error:
                stats.errors += 1
                answer.status = .internalServerError
                answer.body = #"{"error":"injected failure"}"#
                return answer
            case .throttle:
                stats.throttled += 1
                answer.status = .serviceUnavailable
                answer.headers = [("Retry-After", String(faults.retryAfterSeconds))]
                answer.body = #"{"error":"injected throttle"}"#
                return answer
            case nil: break
            }
            if path == "/" { return currentLine(head, answer) }
            let n = max(1, min(Int(query["n"] ?? "") ?? 1, 100_000))
            let format = query["format"] ?? "json"
            guard ["json", "ndjson", "csv", "text"].contains(format) else {
                return Answer(status: .badRequest, body: #"{"error":"format is json, ndjson, csv or text"}"#)
            }
            let readings = feed.due(max: n, elapsedMillis: elapsedMillis)
            stats.readings += readings.count
            if let last = readings.last { current = last }
            return render(readings, format: format, answer)
        }
    }

    private func currentLine(_ head: HTTPRequestHead, _ base: Answer) -> Answer {
        var answer = base
        if let fresh = feed.due(max: 1, elapsedMillis: elapsedMillis).first {
            current = fresh
            stats.readings += 1
        }
        guard let current else {
            answer.status = .noContent
            return answer
        }
        let etag = "\"\(current.sequence)\""
        answer.headers.append(("ETag", etag))
        if head.headers["if-none-match"].first == etag {
            stats.notModified += 1
            answer.status = .notModified
            return answer
        }
        answer.contentType = "text/plain"
        answer.body = faults.maybeGarble(current.textLine) + "\n"
        return answer
    }

    private func render(_ readings: [SensorReading], format: String, _ base: Answer) -> Answer {
        var answer = base
        switch format {
        case "text":
            answer.contentType = "text/plain"
            answer.body = readings.map { faults.maybeGarble($0.textLine) + "\n" }.joined()
        case "ndjson":
            answer.contentType = "application/x-ndjson"
            answer.body = readings.map { faults.maybeTruncate(JSONWriter.string($0.json)) + "\n" }.joined()
        case "csv":
            answer.contentType = "text/csv"
            answer.body = SensorColumns.names.joined(separator: ",") + "\n" + readings.map { faults.maybeTruncate($0.csvRow) + "\n" }.joined()
        default:
            answer.body = faults.maybeTruncate(JSONWriter.string(.array(readings.map(\.json))))
        }
        return answer
    }

    private func statsAnswer() -> Answer {
        let body: JSONValue = [
            "requests": .int(Int64(stats.requests)), "readings_served": .int(Int64(stats.readings)),
            "errors_injected": .int(Int64(stats.errors)), "throttled": .int(Int64(stats.throttled)),
            "not_modified": .int(Int64(stats.notModified)), "unauthorized": .int(Int64(stats.unauthorized)),
            "remaining": feed.remaining == Int.max ? .null : .int(Int64(feed.remaining)),
            "request_times_ms": .array(arrivals.map { .int($0) }),
        ]
        return Answer(body: JSONWriter.string(body))
    }
}
