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

    /// Writes all of `bytes`; false if the other end is gone.
    static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = Foundation.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
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

    /// Reads exactly `count` bytes; nil at end of file (the other end is gone).
    static func read(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes { b -> Bool in
            var done = 0
            while done < count {
                let n = Foundation.read(fd, b.baseAddress! + done, count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        return ok ? out : nil
    }

    static func readUInt32(_ fd: Int32) -> UInt32? {
        read(fd, 4).map { b in UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24 }
    }

    static func readString(_ fd: Int32) -> String? {
        guard let n = readUInt32(fd), let bytes = read(fd, Int(n)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func put(_ v: UInt32, into out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func put(_ s: String, into out: inout [UInt8]) {
        put(UInt32(s.utf8.count), into: &out)
        out.append(contentsOf: s.utf8)
    }

    /// A `write` answer: the status and the record failures.
    static func writeAnswer(status: Int32, failures: [Failure]) -> [UInt8] {
        var out: [UInt8] = []
        put(UInt32(bitPattern: status), into: &out)
        put(UInt32(failures.count), into: &out)
        for f in failures {
            put(UInt32(f.index), into: &out)
            out.append(f.retriable ? 1 : 0)
            put(f.reason, into: &out)
        }
        return out
    }

    static func readWriteAnswer(_ fd: Int32) -> (status: Int32, failures: [Failure])? {
        guard let status = readUInt32(fd), let count = readUInt32(fd) else { return nil }
        var failures: [Failure] = []
        for _ in 0 ..< count {
            guard let index = readUInt32(fd), let retriable = read(fd, 1), let reason = readString(fd) else { return nil }
            failures.append(Failure(index: Int(index), retriable: retriable[0] != 0, reason: reason))
        }
        return (Int32(bitPattern: status), failures)
    }
}
