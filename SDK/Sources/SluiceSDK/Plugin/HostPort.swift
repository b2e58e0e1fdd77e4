/// A "host:port" setting, such as a listen address or a server to dial.
/// An IPv6 host is written in brackets: "[::1]:8080".
public struct HostPort: Sendable, Equatable {
    public let host: String
    public let port: Int

    /// nil unless `text` is host:port with a port from 0 to 65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0 ... 65535).contains(port) else {
            return nil
        }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        self.host = String(host)
        self.port = port
    }

    /// The host as a URL or a Host header writes it: an IPv6 address in brackets.
    public var shownHost: String { host.contains(":") ? "[\(host)]" : host }

    /// "host:port" as a URL or a Host header writes it.
    public var authority: String { "\(shownHost):\(port)" }
}

extension Config {
    /// The "host:port" under `key` (or `defaultValue`); throws naming the key when malformed.
    public func hostPort(_ key: String, default defaultValue: String? = nil) throws -> HostPort {
        let text = try defaultValue.map { try string(key, default: $0) } ?? requiredString(key)
        guard let value = HostPort(text) else { throw SluiceError.config("\(key): expected host:port, got \(text.debugDescription)") }
        return value
    }
}
