import Foundation

/// A TCP connection to 127.0.0.1 that sends exactly the bytes a test gives
/// it, for clients no HTTP library would be: half-sent requests, idle
/// connections, many at once.
public final class RawConnection {
    private let fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            close(fd)
            throw TestFailure("cannot connect to 127.0.0.1:\(port)")
        }
    }

    deinit { close(fd) }

    public func send(_ text: String) {
        _ = text.withCString { Foundation.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    public func send(bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }

    /// Closes the sending side only (a half-close): the server sees the end
    /// of the stream and can still answer.
    public func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Everything the server sends until it closes or `seconds` pass; nil
    /// when the connection is still open and silent at the end.
    public func readUntilClosed(seconds: Double) -> String? {
        var out = [UInt8]()
        let deadline = Date(timeIntervalSinceNow: seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return String(decoding: out, as: UTF8.self) }
            out += buffer[0 ..< n]
        }
        return nil
    }
}
