import Foundation
import SluiceFormats
import SluiceHTTP
import SluiceSDK

/// `elasticsearch.write`: the `_bulk` API over a keep-alive connection.
///
/// Each bulk response is read item by item: 429 and 5xx items are retried
/// with backoff and jitter (by the engine), 4xx items (mapping errors,
/// version conflicts on `create`) are dead-lettered with the item's error
/// type and reason. A 200 with `errors: true` never loses a document
/// silently. `id_field` makes replays overwrite instead of duplicating.
public final class ElasticsearchSink: Sink {
    public static let name = "write"
    public static let summary = "Indexes records through the Elasticsearch _bulk API"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false, "required": ["urls", "index"],
     "properties": {
       "urls": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "node URLs, used round-robin with failover"},
       "index": {"type": "string", "minLength": 1, "description": "an index, or a template: sensors-%Y.%m.%d (event date), {field}"},
       "action": {"enum": ["index", "create", "update"], "description": "index (default): add the document or replace the one with its _id; create: add only, an existing _id is dead-lettered as a version conflict; update: merge the record's fields into the document with its _id, adding it if missing (needs id_field; pipeline is not sent)"},
       "id_field": {"type": "string", "description": "field path whose value becomes _id (idempotent replays); a record without it is dead-lettered. Default: Elasticsearch picks an _id"},
       "routing_field": {"type": "string", "description": "field path whose value is sent as the document's routing (which shard); a record without it is routed by _id"},
       "pipeline": {"type": "string", "description": "ingest pipeline every document goes through (not with action: update)"},
       "timestamp_field": {"type": ["string", "null"], "description": "set from the event time when missing; null to leave out (default @timestamp)"},
       "username": {"type": "string", "description": "HTTP basic auth user, with password; wins over api_key and bearer_token"},
       "password": {"type": "string", "description": "basic auth password for username (default empty)"},
       "api_key": {"type": "string", "description": "sent as Authorization: ApiKey KEY (the encoded id:key Elasticsearch returns); used when username is not set"},
       "bearer_token": {"type": "string", "description": "sent as Authorization: Bearer TOKEN; used when neither username nor api_key is set"},
       "ca_file": {"type": "string", "format": "path", "description": "PEM CA certificates that https URLs must chain to (default: the system's); relative to the manifest"},
       "verify_tls": {"type": "boolean", "description": "check the server's certificate and host name on https (true); false accepts any, for tests only"},
       "max_bulk_docs": {"type": "integer", "minimum": 1, "description": "documents per _bulk request, at most (5000)"},
       "max_bulk_bytes": {"type": "integer", "minimum": 1024, "description": "a _bulk request takes no more documents once its body reaches this many bytes (10485760), so it may pass it by one document"},
       "timeout_ms": {"type": "integer", "minimum": 1, "description": "each HTTP request, whole (30000); connecting gets at most 3000 of it. A node that does not answer in time is failed over"},
       "index_template": {"type": "object", "required": ["name", "body"], "additionalProperties": false,
                          "description": "an index template PUT to /_index_template/NAME at start, replacing one of that name; a refusal fails the start",
                          "properties": {"name": {"type": "string", "description": "the template's name"},
                                         "body": {"type": "object", "description": "the template as Elasticsearch takes it: {index_patterns, template: {settings, mappings}, priority, …}"}}}
     }}
    """#

    let urls: [String]
    var next = 0
    let routing: DocumentRouting
    let action: String
    let timestampField: String?
    let maxDocs: Int
    let maxBytes: Int
    let client: HTTPClient
    let host: PluginHost
    var body = JSONWriter(capacity: 1 << 20)
    let indexed: Metric

    /// The URLs' shape and the CA file; nothing is sent.
    public static func check(config: Config, host: PluginHost) throws {
        var problems: [String] = []
        for url in try config.strings("urls") ?? [] where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            problems.append("urls: \(url.debugDescription) is not an http:// or https:// URL")
        }
        if let ca = try config.string("ca_file"), !FileManager.default.isReadableFile(atPath: ca) {
            problems.append("ca_file: cannot read \(ca)")
        }
        if !problems.isEmpty { throw SluiceError.config(problems.joined(separator: "\n")) }
    }

    public required init(config: Config, host: PluginHost) throws {
        self.host = host
        urls = try config.strings("urls")!.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        routing = try DocumentRouting(config)
        action = try config.string("action", default: "index")
        timestampField = config["timestamp_field"] == .null ? nil : try config.string("timestamp_field", default: "@timestamp")
        maxDocs = try config.int("max_bulk_docs", default: 5000)
        maxBytes = try config.int("max_bulk_bytes", default: 10 << 20)
        var headers = ["Content-Type: application/x-ndjson", "Accept: application/json"]
        if let user = try config.string("username") {
            headers.append("Authorization: Basic " + Base64.encode(Array("\(user):\(try config.string("password", default: ""))".utf8)))
        } else if let key = try config.string("api_key") {
            headers.append("Authorization: ApiKey \(key)")
        } else if let token = try config.string("bearer_token") {
            headers.append("Authorization: Bearer \(token)")
        }
        client = HTTPClient(headers: headers, caFile: try config.string("ca_file"), verify: try config.bool("verify_tls", default: true),
                            timeoutMillis: try config.int("timeout_ms", default: 30000))
        indexed = host.metric(.counter, "documents_indexed_total", help: "bulk items the cluster accepted")
        let info = try request("GET", "/", nil)
        if info.status == 401 || info.status == 403 {
            throw SluiceError.config("the cluster refused our credentials (HTTP \(info.status))")
        }
        // Elasticsearch and OpenSearch answer GET / with their version: anything
        // else at the address would take every bulk request and index nothing.
        guard (200 ..< 300).contains(info.status), case let .object(root)? = try? JSONParser.parse(String(decoding: info.body, as: UTF8.self)),
              root["version"]?["number"]?.string != nil
        else {
            let said = String(decoding: info.body.prefix(120), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            throw SluiceError.config("urls: \(urls.joined(separator: ", ")) answered GET / with HTTP \(info.status) \(said.debugDescription), not an Elasticsearch cluster's version")
        }
        if let template = try config.object("index_template") {
            let name = try template.requiredString("name")
            let r = try request("PUT", "/_index_template/\(name)", Array(JSONWriter.string(template["body"]!).utf8))
            guard (200 ..< 300).contains(r.status) else {
                throw SluiceError.config("index_template \(name): HTTP \(r.status): \(String(decoding: r.body.prefix(300), as: UTF8.self))")
            }
        }
    }

    /// Sends to the next node, failing over to the others when one cannot be reached.
    private func request(_ method: String, _ path: String, _ body: [UInt8]?) throws -> HTTPClient.Response {
        var lastError = ""
        for _ in urls {
            let url = urls[next % urls.count]
            next += 1
            do {
                let r = try client.send(method: method, url: url + path, body: body)
                if r.status >= 500 || r.status == 429 {
                    lastError = "\(url): HTTP \(r.status)"
                    continue
                }
                return r
            } catch let failure as HTTPClient.Failure {
                lastError = "\(url): \(failure.reason)"
            }
        }
        throw SluiceError.retriable("no Elasticsearch node answered: \(lastError)")
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        var start = 0
        while start < batch.count {
            var members: [Int] = []
            body.reset()
            var i = start
            while i < batch.count, members.count < maxDocs, members.isEmpty || body.bytes.count < maxBytes {
                if let problem = appendItem(batch[i]) {
                    output.fail(i, problem)
                } else {
                    members.append(i)
                }
                i += 1
            }
            start = i
            if !members.isEmpty { try send(members, output) }
        }
    }

    /// Appends the action and document lines; returns why the record cannot be indexed.
    private func appendItem(_ record: Record) -> String? {
        let meta: JSONObject
        switch routing.metadata(record, withPipeline: action != "update") {
        case let .success(m): meta = m
        case let .failure(reason): return reason.description
        }
        body.write(.object(JSONObject([(action, .object(meta))])))
        body.newline()
        if action == "update" { body.appendRaw("{\"doc\":") }
        SearchDocument.write(record, timestampField: timestampField, into: &body)
        if action == "update" { body.appendRaw(",\"doc_as_upsert\":true}") }
        body.newline()
        return nil
    }

    private func send(_ members: [Int], _ output: Output) throws {
        let path = "/_bulk"
        let r = try request("POST", path, body.bytes)
        guard (200 ..< 300).contains(r.status) else {
            let text = String(decoding: r.body.prefix(500), as: UTF8.self)
            let retriable = r.status == 401 || r.status == 403 || r.status == 408
            for i in members { output.fail(i, "bulk request failed: HTTP \(r.status): \(text)", retriable: retriable) }
            return
        }
        // Most responses say "errors":false near the start: then every item succeeded and none needs reading.
        if Self.reportsNoErrors(r.body) {
            indexed.record(Double(members.count))
            return
        }
        guard let reply = try? JSONParser.parse(r.body), let items = reply["items"]?.array, items.count == members.count else {
            for i in members { output.fail(i, "unreadable bulk response (HTTP \(r.status))", retriable: true) }
            return
        }
        var ok = 0
        for (position, item) in items.enumerated() {
            guard let result = item.object?.members.first?.value, let status = result["status"]?.integer else {
                output.fail(members[position], "bulk item without a status", retriable: true)
                continue
            }
            if (200 ..< 300).contains(status) {
                ok += 1
                continue
            }
            let type = result["error"]?["type"]?.string ?? "error"
            let reason = result["error"]?["reason"]?.string ?? JSONWriter.string(result["error"] ?? .null)
            output.fail(members[position], "HTTP \(status) \(type): \(reason)", retriable: status == 429 || status >= 500)
        }
        indexed.record(Double(ok))
    }
}

extension ElasticsearchSink {
    static let noErrors = Array("\"errors\":false".utf8)

    /// Whether the top-level `errors` flag, written before `items`, is false.
    static func reportsNoErrors(_ body: [UInt8]) -> Bool {
        let head = body.prefix(256)
        guard head.count >= noErrors.count else { return false }
        for start in 0 ... head.count - noErrors.count where head[start] == noErrors[0] {
            if head[start ..< start + noErrors.count].elementsEqual(noErrors) { return true }
        }
        return false
    }
}
