import SluiceFormats
import SluiceSDK

/// `logstash.write`: the same JSON documents the Elasticsearch sink indexes,
/// sent to a Logstash `tcp` input with the `json_lines` codec, in the clear
/// or over TLS (OpenSSL; the server's certificate and name are verified).
///
/// Two protocols. `json_lines` (a `tcp` input) has no application-level
/// ack: a batch counts as written once the kernel accepted every byte, and
/// if the receiver dies before reading them those records are lost.
/// `beats` (a `beats` input, Lumberjack v2, `BeatsFrames`) sends each batch
/// as one window and counts it written only when Logstash acknowledged its
/// last event, so nothing is lost when Logstash dies mid-batch. Either way,
/// on a failure the connection is re-opened (with the engine's backoff) and
/// the whole batch is sent again, so a receiver may see duplicates
/// (`id_field` makes them one document in Elasticsearch). Draining closes
/// the socket cleanly (FIN after the last line).
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
       "address": {"type": "string", "description": "host:port of the Logstash input"},
       "protocol": {"enum": ["json_lines", "beats"], "description": "json_lines: a tcp input with codec json_lines, no acks (a batch counts as written once the kernel took it); beats: a beats input, each batch written once Logstash acknowledged it (json_lines)"},
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
    /// `protocol: beats`: batches as acknowledged Lumberjack windows.
    let beats: Bool
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
        beats = try config.string("protocol", default: "json_lines") == "beats"
        timestampField = config["timestamp_field"] == .null ? nil : try config.string("timestamp_field", default: "@timestamp")
        connectTimeout = try config.int("connect_timeout_ms", default: 3000)
        tls = try config.object("tls").map { try TLSContext($0, host: name) }
        routing = try DocumentRouting(config)
        connection = try Connection(host: hostName, port: port, timeoutMillis: connectTimeout, tls: tls)
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        if beats { return try writeWindow(batch, output) }
        lines.reset()
        for record in batch {
            if let reason = append(record, into: &lines) { output.fail(record.index, reason) }
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

    /// `protocol: beats`: the batch as one window, written when Logstash
    /// acknowledged its last event. A peer that answers anything but acks
    /// is not a beats input, and the batch is not counted as written.
    private func writeWindow(_ batch: Batch, _ output: Output) throws {
        var frames: [UInt8] = []
        var sent: UInt32 = 0
        for record in batch {
            lines.reset()
            if let reason = append(record, into: &lines) {
                output.fail(record.index, reason)
                continue
            }
            sent += 1
            // The event without the line's newline.
            BeatsFrames.json(sequence: sent, lines.bytes.dropLast(), into: &frames)
        }
        guard sent > 0 else { return }
        var window: [UInt8] = []
        BeatsFrames.window(sent, into: &window)
        frames.insert(contentsOf: window, at: 0)
        if connection == nil { connection = try Connection(host: hostName, port: port, timeoutMillis: connectTimeout, tls: tls) }
        do {
            try frames.withUnsafeBytes { try connection!.send($0) }
            // Logstash may ack part of a window while it works on it; the batch is written at its last event.
            while true {
                let frame = try connection!.receive(BeatsFrames.ackSize)
                guard let acked = BeatsFrames.ack(frame) else {
                    throw SluiceError.permanent("\(hostName):\(port) answered \(String(decoding: frame, as: UTF8.self).debugDescription), which a beats input never does (for a tcp input use protocol: json_lines); the batch is not counted as written")
                }
                if acked == sent { return }
            }
        } catch {
            connection = nil
            throw error
        }
    }

    /// Appends one JSON line to `out`; returns why the record cannot be sent.
    private func append(_ record: Record, into out: inout JSONWriter) -> String? {
        guard !routing.isEmpty else {
            SearchDocument.write(record, timestampField: timestampField, into: &out)
            out.newline()
            return nil
        }
        let meta: JSONObject
        switch routing.metadata(record) {
        case let .success(m): meta = m
        case let .failure(reason): return reason.description
        }
        document.reset()
        SearchDocument.write(record, timestampField: timestampField, into: &document)
        out.appendRaw("{\"@metadata\":")
        out.write(.object(meta))
        // The document's own members follow, after its opening brace.
        let body = document.bytes.dropFirst()
        if body.first != UInt8(ascii: "}") { out.appendRaw(",") }
        out.append(bytes: body)
        out.newline()
        return nil
    }
}
