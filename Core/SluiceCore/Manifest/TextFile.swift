import Foundation

/// A whole UTF-8 file read for a command (a manifest, a dead-letter file),
/// failing with the system's reason: Foundation's "The file doesn't exist"
/// and a bare "cannot read" leave out which of missing, unreadable or a
/// folder it was.
public enum TextFile {
    /// Why a file could not be read, e.g. "cannot open x.ndjson: No such file or directory".
    public struct Unreadable: Error, CustomStringConvertible, Sendable {
        /// The file as named.
        public let path: String
        /// The system's words, e.g. "No such file or directory".
        public let reason: String
        let opened: Bool

        /// "cannot open PATH: REASON", or "cannot read" once it was open.
        public var description: String { "cannot \(opened ? "read" : "open") \(path): \(reason)" }
    }

    /// The whole of `path` as text.
    /// - Throws: `Unreadable` with the system's reason, or when it is not UTF-8.
    public static func read(_ path: String) throws(Unreadable) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Unreadable(path: path, reason: String(cString: strerror(errno)), opened: false) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw Unreadable(path: path, reason: String(cString: strerror(errno)), opened: true) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[..<n])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Unreadable(path: path, reason: "it is not UTF-8 text", opened: true) }
        return text
    }
}
