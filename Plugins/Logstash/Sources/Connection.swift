import COpenSSL
import Glibc
import SluiceSDK

/// One TCP connection to Logstash, in the clear or over TLS. Any failure is
/// retriable: the sink drops the connection and the engine backs off.
final class Connection {
    private let fd: Int32
    private let ssl: OpaquePointer?
    private let peer: String

    init(host: String, port: UInt16, timeoutMillis: Int, tls: TLSContext?) throws {
        peer = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            throw SluiceError.retriable("cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        let s = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard s >= 0 else { throw SluiceError.retriable("socket: \(String(cString: strerror(errno)))") }
        // Bounds connect, the TLS handshake and every send, so a silent peer cannot hang the sink.
        var timeout = timeval(tv_sec: timeoutMillis / 1000, tv_usec: Int(timeoutMillis % 1000) * 1000)
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(s, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            close(s)
            throw SluiceError.retriable("cannot connect to Logstash at \(peer): \(reason)")
        }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        fd = s
        guard let tls else {
            ssl = nil
            return
        }
        guard let session = SSL_new(tls.context) else {
            close(s)
            throw SluiceError.retriable("TLS: \(TLSContext.lastError())")
        }
        SSL_set_fd(session, s)
        if tls.verify { _ = sluice_ssl_expect_peer(session, tls.serverName) }
        guard sluice_ssl_connect(session) == 1 else {
            let verdict = SSL_get_verify_result(session)
            let reason = verdict == X509_V_OK ? TLSContext.lastError() : String(cString: X509_verify_cert_error_string(Int(verdict)))
            SSL_free(session)
            close(s)
            throw SluiceError.retriable("TLS handshake with Logstash at \(peer) failed: \(reason)")
        }
        ssl = session
    }

    /// Closes our side after the last byte (FIN, or TLS close_notify first).
    deinit {
        if let ssl {
            sluice_ssl_shutdown(ssl)
            SSL_free(ssl)
        }
        shutdown(fd, Int32(SHUT_WR))
        close(fd)
    }

    /// What the peer sent unasked, if anything arrives within `waitMillis`
    /// (a tcp input never writes back), as text; nil when it stayed silent.
    /// A peer that closed the connection is left to the next send to report.
    func peerAnswer(waitMillis: Int32) -> String? {
        guard ssl == nil else { return nil }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, waitMillis) > 0, p.revents & Int16(POLLIN) != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 80)
        let n = recv(fd, &buffer, buffer.count, Int32(MSG_PEEK | MSG_DONTWAIT))
        guard n > 0 else { return nil }
        let text = String(decoding: buffer.prefix(n), as: UTF8.self)
        return String(text.prefix { $0 != "\r" && $0 != "\n" })
    }

    /// Reads exactly `count` bytes: what the peer answered. Throws when it
    /// closed the connection or sent nothing within the timeout.
    func receive(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = out.withUnsafeMutableBytes { b -> Int in
                if let ssl { return Int(SSL_read(ssl, b.baseAddress! + offset, Int32(count - offset))) }
                return Glibc.recv(fd, b.baseAddress! + offset, count - offset, 0)
            }
            if n < 0, ssl == nil, errno == EINTR { continue }
            guard n > 0 else {
                throw SluiceError.retriable(n == 0 ? "\(peer) closed the connection before it acknowledged the batch; sending it again"
                    : "no acknowledgement from \(peer) within connect_timeout_ms; sending the batch again")
            }
            offset += n
        }
        return out
    }

    /// Sends every byte, or throws.
    func send(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let rest = bytes.count - offset
            let n: Int
            if let ssl {
                n = Int(sluice_ssl_write(ssl, bytes.baseAddress! + offset, Int32(clamping: rest)))
                if n <= 0 { throw SluiceError.retriable("TLS send to \(peer) failed: \(TLSContext.lastError()); reconnecting") }
            } else {
                n = Glibc.send(fd, bytes.baseAddress! + offset, rest, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SluiceError.retriable("send to \(peer) failed: \(String(cString: strerror(errno))); reconnecting")
                }
            }
            offset += n
        }
    }
}
