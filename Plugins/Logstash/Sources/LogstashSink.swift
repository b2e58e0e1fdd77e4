import Foundation
import SluiceSDK

/// `logstash.write`: the same JSON documents the Elasticsearch sink indexes,
/// sent to a Logstash `tcp` input with the `json_lines` codec.
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
       "connect_timeout_ms": {"type": "integer", "minimum": 1}
     }}
    """#

    let hostName: String
    let port: UInt16
    let timestampField: String?
    let connectTimeout: Int
    var fd: Int32 = -1
    var lines = JSONWriter(capacity: 1 << 16)
    let host: PluginHost

    public required init(config: Config, host: PluginHost) throws {
        self.host = host
        let address = try config.requiredString("address")
        guard let colon = address.lastIndex(of: ":"), let p = UInt16(address[address.index(after: colon)...]) else {
            throw SluiceError.config("address: expected host:port, got \(address.debugDescription)")
        }
        hostName = String(address[..<colon])
        port = p
        timestampField = config["timestamp_field"] == .null ? nil : try config.string("timestamp_field", default: "@timestamp")
        connectTimeout = try config.int("connect_timeout_ms", default: 3000)
        try connect()
    }

    deinit {
        if fd >= 0 {
            shutdown(fd, Int32(SHUT_WR))
            close(fd)
        }
    }

    private func connect() throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(hostName, String(port), &hints, &result) == 0, let first = result else {
            throw SluiceError.retriable("cannot resolve \(hostName)")
        }
        defer { freeaddrinfo(result) }
        let s = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard s >= 0 else { throw SluiceError.retriable("socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: connectTimeout / 1000, tv_usec: Int(connectTimeout % 1000) * 1000)
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(s, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            close(s)
            throw SluiceError.retriable("cannot connect to Logstash at \(hostName):\(port): \(reason)")
        }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        fd = s
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        lines.reset()
        for record in batch {
            SearchDocument.write(record, timestampField: timestampField, into: &lines)
            lines.newline()
        }
        if fd < 0 { try connect() }
        var offset = 0
        let bytes = lines.bytes
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                fd = -1
                throw SluiceError.retriable("send to \(hostName):\(port) failed: \(reason); reconnecting")
            }
            offset += n
        }
    }
}
