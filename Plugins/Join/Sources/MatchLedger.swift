#if canImport(Glibc)
import Glibc
#endif
import SluiceSDK

/// Rows of a kept side (the orders of a left join) that found a partner,
/// written to the instance's state directory before any hold of that
/// partner is released. Only rows from sources that resume from committed
/// positions (with a split, as `kafka.read`'s) are recorded and looked up:
/// a file read again from its start is a new run, not a replay.
///
/// Why: the join's inputs are committed by their sources on their own
/// schedules, so after a crash a kept row can be replayed while the partner
/// it matched was committed and is not. The rebuilt window would then emit
/// it alone, next to the pair already written. A row found here was
/// matched by an earlier run: its outer row is not emitted again.
///
/// Two files of 16-byte entries (event time, identity): `matched.0` is
/// appended to; once every entry of `matched.1` is older than the newest by
/// `retention`, it is dropped and `matched.0` becomes it. At start, the
/// entries of earlier runs still inside `retention` are carried into a new
/// `matched.1`, so a row replayed by several restarts stays known. Only
/// entries of earlier runs are looked up: identical rows of one run match
/// identically anyway.
struct MatchLedger {
    let directory: String
    let retention: Int64
    /// Identities recorded by earlier runs.
    private(set) var earlier: Set<UInt64> = []
    private var fd: Int32 = -1
    private var newest = Int64.min
    /// The newest entry in each file.
    private var currentNewest = Int64.min
    private var olderNewest = Int64.min
    private var pending: [UInt8] = []

    init(directory: String, retention: Int64) throws {
        self.directory = directory
        self.retention = retention
        let entries = Self.read(directory + "/matched.1") + Self.read(directory + "/matched.0")
        newest = entries.map(\.0).max() ?? .min
        let kept = entries.filter { $0.0 >= newest.saturatingSubtract(retention) }
        earlier = Set(kept.map(\.1))
        for (time, id) in kept { Self.append(time, id, to: &pending) }
        olderNewest = newest
        try replace("matched.1", with: pending)
        pending.removeAll()
        try openCurrent(truncating: true)
    }

    /// The identity of a row: stable across processes (unlike `Hasher`), so a replay finds it.
    /// No split: co-partitioned inputs put a key in one split whatever the host.
    static func identity(side: Side, key: JoinKey, time: Int64) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        mix(UInt8(side.rawValue))
        withUnsafeBytes(of: time.littleEndian) { $0.forEach(mix) }
        key.bytes.forEach(mix)
        return h
    }

    /// Queues an entry; `flush` writes it.
    mutating func record(_ id: UInt64, time: Int64) {
        Self.append(time, id, to: &pending)
        currentNewest = max(currentNewest, time)
        newest = max(newest, time)
    }

    private static func append(_ time: Int64, _ id: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: time.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: id.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes queued entries (to the page cache: a SIGKILL keeps them; a power loss may not).
    /// Returns why it could not, or nil.
    mutating func flush() -> String? {
        guard !pending.isEmpty else { return nil }
        let written = pending.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == pending.count else { return "writing \(directory)/matched.0 failed (errno \(errno))" }
        pending.removeAll(keepingCapacity: true)
        guard olderNewest < newest.saturatingSubtract(retention) else { return nil }
        close(fd)
        guard rename(directory + "/matched.0", directory + "/matched.1") == 0 else { return "rotating \(directory)/matched.0 failed (errno \(errno))" }
        olderNewest = currentNewest
        currentNewest = .min
        do { try openCurrent(truncating: true) } catch { return "\(error)" }
        return nil
    }

    private mutating func openCurrent(truncating: Bool) throws {
        fd = open(directory + "/matched.0", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncating ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw SluiceError.config("join: cannot open \(directory)/matched.0 (errno \(errno))") }
    }

    /// Writes `name` whole through a temporary file and a rename, so a crash leaves the old or the new.
    private func replace(_ name: String, with bytes: [UInt8]) throws {
        let tmp = directory + "/" + name + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SluiceError.config("join: cannot write \(tmp) (errno \(errno))") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(tmp, directory + "/" + name) == 0 else {
            throw SluiceError.config("join: cannot write \(directory)/\(name) (errno \(errno))")
        }
    }

    private static func read(_ path: String) -> [(Int64, UInt64)] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            bytes.append(contentsOf: chunk[0 ..< n])
        }
        // A torn last entry (killed mid-write) is dropped.
        return stride(from: 0, to: bytes.count - 15, by: 16).map { i in
            bytes.withUnsafeBytes { b in
                (Int64(littleEndian: b.loadUnaligned(fromByteOffset: i, as: Int64.self)),
                 UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
            }
        }
    }
}
