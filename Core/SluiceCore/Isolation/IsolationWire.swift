import Foundation

/// The messages between the host and a plugin child (`isolation: process`),
/// over the child's stdin and stdout. Integers are little-endian.
///
/// Host → child: first the config (u32 length, JSON); then requests, a kind
/// byte followed by, for `write`, a `BufferFrame` (the port is inside it).
/// Child → host: after create, a status byte (`Started`) and a message (u32
/// length, UTF-8); after each request, an i32 status, then for `write` the
/// record failures: u32 count, each u32 index, u8 retriable, u32 length, reason.
enum IsolationWire {
    enum Request: UInt8 {
        case write = 1
        case flush = 2
        case close = 3
    }

    enum Started: UInt8 {
        case ok = 0
        case config = 1
        case retriable = 2
    }

    /// Waits until `fd` has something to read (or is closed); false after
    /// `timeoutMillis` without (0 waits for ever).
    static func waitReadable(_ fd: Int32, timeoutMillis: Int) -> Bool {
        guard timeoutMillis > 0 else { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Clock.monotonicNanos() + UInt64(timeoutMillis) * 1_000_000
        while true {
            let now = Clock.monotonicNanos()
            guard now < deadline else { return false }
            let n = poll(&p, 1, Int32(min((deadline - now) / 1_000_000 + 1, UInt64(Int32.max))))
            if n > 0 { return true }
            if n < 0, errno != EINTR { return true }
        }
    }

    static func readUInt32(_ fd: Int32) -> UInt32? {
        ByteIO.readExactly(fd, 4).map { b in UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24 }
    }

    static func readString(_ fd: Int32) -> String? {
        guard let n = readUInt32(fd), let bytes = ByteIO.readExactly(fd, Int(n)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func put(_ s: String, into out: inout [UInt8]) {
        out.appendLittleEndian(UInt32(s.utf8.count))
        out.append(contentsOf: s.utf8)
    }

    /// A `write` answer: the status and the record failures.
    static func writeAnswer(status: Int32, failures: [Failure]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendLittleEndian(UInt32(bitPattern: status))
        out.appendLittleEndian(UInt32(failures.count))
        for f in failures {
            out.appendLittleEndian(UInt32(f.index))
            out.append(f.retriable ? 1 : 0)
            put(f.reason, into: &out)
        }
        return out
    }

    static func readWriteAnswer(_ fd: Int32) -> (status: Int32, failures: [Failure])? {
        guard let status = readUInt32(fd), let count = readUInt32(fd) else { return nil }
        var failures: [Failure] = []
        for _ in 0 ..< count {
            guard let index = readUInt32(fd), let retriable = ByteIO.readExactly(fd, 1), let reason = readString(fd) else { return nil }
            failures.append(Failure(index: Int(index), retriable: retriable[0] != 0, reason: reason))
        }
        return (Int32(bitPattern: status), failures)
    }
}
