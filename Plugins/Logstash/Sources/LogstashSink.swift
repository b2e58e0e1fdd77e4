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
public final class LogstashSink: Sink {
    public static let name = "write"
    public static let summary = "Sends JSON lines to a Logstash tcp input (json_lines codec)"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false, "required": ["address"],
     "properties": {
       "address": {"type": "string", "description": "host:port of the Logstash tcp input"},
       "timestamp_field": {"type": ["string", "null"], "description": "set from the event time when missing (default @timestamp)"},
       "connect_timeout_ms": {"type": "integer", "minimum": 1, "description": "connect, TLS handshake and each send (3000)"},
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
    var connection: Connection?
    var lines = JSONWriter(capacity: 1 << 16)

    public required init(config: Config, host: PluginHost) throws {
        let address = try config.hostPort("address")
        let name = address.host
        hostName = name
        port = UInt16(address.port)
        timestampField = config["timestamp_field"] == .null ? nil : try config.string("timestamp_field", default: "@timestamp")
        connectTimeout = try config.int("connect_timeout_ms", default: 3000)
        tls = try config.object("tls").map { try TLSContext($0, host: name) }
        connection = try Connection(host: hostName, port: port, timeoutMillis: connectTimeout, tls: tls)
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        lines.reset()
        for record in batch {
            SearchDocument.write(record, timestampField: timestampField, into: &lines)
            lines.newline()
        }
        if connection == nil { connection = try Connection(host: hostName, port: port, timeoutMillis: connectTimeout, tls: tls) }
        do {
            try lines.bytes.withUnsafeBytes { try connection!.send($0) }
        } catch {
            connection = nil
            throw error
        }
    }
}
