import SluiceFormats
import SluiceSDK

/// `logstash.write`: the same JSON documents the Elasticsearch sink indexes,
/// sent to a Logstash `tcp` input with the `json_lines` codec, in the clear
/// or over TLS (OpenSSL; the server's certificate and name are verified).
///
/// What is at risk: json_lines over TCP has no application-level ack. A
/// batch counts as written once the kernel accepted every byte; if the
/// receiver dies before reading them, those records are lost. On a send
/// error the connection is re-opened (with the engine's backoff) and the
/// whole batch is sent again, so a receiver may see duplicates. Draining
/// closes the socket cleanly (FIN after the last line). For at-least-once
/// end to end, use `elasticsearch.write`, or Beats (Lumberjack v2) when it lands.
///
/// The Elasticsearch sink's document options (`index`, `id_field`,
/// `routing_field`, `pipeline`) are accepted too, so swapping one sink for
/// the other is a change of `use:` and the address. Each document then
/// carries them under `@metadata` (`_index`, `_id`, `routing`, `pipeline`),
/// which Logstash keeps out of the event it indexes and its elasticsearch
/// output reads: `index => "%{[@metadata][_index]}"`,
/// `document_id => "%{[@metadata][_id]}"`.
///
/// A tcp input never answers. A peer that does (an HTTP server answering
/// `400 Bad Request` to a JSON line) is not Logstash: the batch fails with
/// what it said instead of counting as written.
public final class LogstashSink: Sink {
    public static let name = "write"
    public static let summary = "Sends JSON lines to a Logstash tcp input (json_lines codec)"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false, "required": ["address"],
     "properties": {
       "address": {"type": "string", "description": "host:port of the Logstash tcp input"},
       "timestamp_field": {"type": ["string", "null"], "description": "set from the event time when missing (default @timestamp)"},
       "connect_timeout_ms": {"type": "integer", "minimum": 1, "description": "connect, TLS handshake and each send (3000)"},
       "index": {"type": "string", "minLength": 1, "description": "as elasticsearch.write (sensors-%Y.%m.%d, {field}); sent as [@metadata][_index]"},
       "id_field": {"type": "string", "description": "field path whose value is sent as [@metadata][_id]"},
       "routing_field": {"type": "string", "description": "sent as [@metadata][routing]"},
       "pipeline": {"type": "string", "description": "sent as [@metadata][pipeline]"},
       "tls": {"type": "object", "additionalProperties": false, "description": "a Logstash tcp input with ssl_enable",
         "properties": {
           "ca_file": {"type": "string", "format": "path", "description": "PEM CAs to trust (default: the system's)"},
           "verify": {"type": "boolean", "description": "check the server's certificate and name (true)"},
           "server_name": {"type": "string", "description": "the name its certificate must carry (default: the address's host)"},
           "cert_file": {"type": "string", "format": "path", "description": "client certificate (PEM), for ssl_verify on the input"},
           "key_file": {"type": "string", "format": "path", "description": "its private key (PEM; default: cert_file)"}}}
     }}
    """#

    let hostName: String
    let port: UInt16
    let timestampField: String?
    let connectTimeout: Int
    let tls: TLSContext?
    let routing: DocumentRouting
    var connection: Connection?
    /// Whether the current connection's peer has been watched once for an answer.
    var peerChecked = false
    var lines = JSONWriter(capacity: 1 << 16)
    var document = JSONWriter(capacity: 1024)
    /// How long the first batch on a connection waits for a peer that talks back.
    static let peerCheckMillis: Int32 = 250

    /// The address and the TLS files; loading certificates opens no connection.
    public static func check(config: Config, host: PluginHost) throws {
        let address = try config.hostPort("address")
        _ = try config.object("tls").map { try TLSContext($0, host: address.host) }
    }

    public required init(config: Config, host: PluginHost) throws {
        let address = try config.hostPort("address")
        let name = address.host
        hostName = name
        port = UInt16(address.port)
        timestampField = config["timestamp_field"] == .null ? nil : try config.string("timestamp_field", default: "@timestamp")
        connectTimeout = try config.int("connect_timeout_ms", default: 3000)
        tls = try config.object("tls").map { try TLSContext($0, host: name) }
        routing = try DocumentRouting(config)
        connection = try Connection(host: hostName, port: port, timeoutMillis: connectTimeout, tls: tls)
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        lines.reset()
        for record in batch {
            if let reason = append(record) { output.fail(record.index, reason) }
        }
        if connection == nil {
            connection = try Connection(host: hostName, port: port, timeoutMillis: connectTimeout, tls: tls)
            peerChecked = false
        }
        do {
            try lines.bytes.withUnsafeBytes { try connection!.send($0) }
            if let answer = connection!.peerAnswer(waitMillis: peerChecked ? 0 : Self.peerCheckMillis) {
                connection = nil
                throw SluiceError.permanent("\(hostName):\(port) answered \(answer.debugDescription), which a Logstash tcp input never does\(answer.hasPrefix("HTTP/") ? ": that is an HTTP server (for Elasticsearch use elasticsearch.write; for Logstash, the port of its tcp input with codec json_lines)" : ""); the batch is not counted as written")
            }
            peerChecked = true
        } catch {
            connection = nil
            throw error
        }
    }

    /// Appends one JSON line; returns why the record cannot be sent.
    private func append(_ record: Record) -> String? {
        guard !routing.isEmpty else {
            SearchDocument.write(record, timestampField: timestampField, into: &lines)
            lines.newline()
            return nil
        }
        let meta: JSONObject
        switch routing.metadata(record) {
        case let .success(m): meta = m
        case let .failure(reason): return reason.description
        }
        document.reset()
        SearchDocument.write(record, timestampField: timestampField, into: &document)
        lines.appendRaw("{\"@metadata\":")
        lines.write(.object(meta))
        // The document's own members follow, after its opening brace.
        let body = document.bytes.dropFirst()
        if body.first != UInt8(ascii: "}") { lines.appendRaw(",") }
        lines.append(bytes: body)
        lines.newline()
        return nil
    }
}
