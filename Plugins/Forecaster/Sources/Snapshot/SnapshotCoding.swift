/// Appends little-endian binary fields to a snapshot payload.
///
/// Doubles are written as their bit patterns so a restored model continues
/// with exactly the numbers it had, and its next forecasts are identical.
public struct SnapshotWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ v: UInt8) { bytes.append(v) }

    public mutating func write<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ v: Double) { write(v.bitPattern) }

    public mutating func write(_ v: Int) { write(Int64(v)) }

    public mutating func write(_ v: Bool) { write(UInt8(v ? 1 : 0)) }

    public mutating func write(_ values: [Double]) {
        write(values.count)
        for v in values { write(v) }
    }

    public mutating func write(_ s: String) {
        let utf8 = Array(s.utf8)
        write(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
}

/// Reads what `SnapshotWriter` wrote, refusing to run past the end or to
/// accept counts that cannot fit in what is left.
public struct SnapshotReader: Sendable {
    let bytes: [UInt8]
    public private(set) var position: Int

    public init(_ bytes: [UInt8], from position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    public var isAtEnd: Bool { position == bytes.count }

    public mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else { throw SnapshotError.malformed("truncated") }
        position += 1
        return bytes[position - 1]
    }

    public mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard position + size <= bytes.count else { throw SnapshotError.malformed("truncated") }
        var v: T = 0
        for i in 0 ..< size { v |= T(truncatingIfNeeded: bytes[position + i]) << (8 * i) }
        position += size
        return v
    }

    public mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

    public mutating func readInt() throws -> Int {
        let v = try read(Int64.self)
        guard let i = Int(exactly: v) else { throw SnapshotError.malformed("integer out of range") }
        return i
    }

    public mutating func readBool() throws -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let b: throw SnapshotError.malformed("bad boolean \(b)")
        }
    }

    /// A count of items each at least `itemSize` bytes long.
    public mutating func readCount(itemSize: Int) throws -> Int {
        let n = try readInt()
        guard n >= 0, n <= (bytes.count - position) / max(itemSize, 1) else {
            throw SnapshotError.malformed("count \(n) exceeds the data")
        }
        return n
    }

    public mutating func readDoubles() throws -> [Double] {
        let n = try readCount(itemSize: 8)
        var out = [Double]()
        out.reserveCapacity(n)
        for _ in 0 ..< n { out.append(try readDouble()) }
        return out
    }

    public mutating func readString() throws -> String {
        let n = try readCount(itemSize: 1)
        defer { position += n }
        return String(decoding: bytes[position ..< position + n], as: UTF8.self)
    }
}

/// Why a snapshot was refused.
public enum SnapshotError: Error, CustomStringConvertible, Equatable, Sendable {
    case notASnapshot
    case unsupportedVersion(UInt32)
    case checksumMismatch
    case foreign
    case malformed(String)

    public var description: String {
        switch self {
        case .notASnapshot: return "not a forecaster snapshot (bad magic)"
        case let .unsupportedVersion(v):
            return "snapshot format version \(v) is not supported (this build reads \(Snapshot.version) only"
                + (v < Snapshot.version ? "; it was written by an older build)" : ")")
        case .checksumMismatch: return "snapshot checksum mismatch (corrupt or truncated file)"
        case .foreign: return "snapshot was written with different settings (value fields, interval, season, model or max_gap)"
        case let .malformed(why): return "snapshot is malformed: \(why)"
        }
    }
}
