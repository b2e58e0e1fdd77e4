/// The framing of a snapshot file: magic, format version, the fingerprint of
/// the settings the state was built with, the payload, and a CRC-32 of
/// everything before it.
///
/// A restore either accepts the whole file or refuses it, so a model is
/// never half-loaded.
public enum Snapshot {
    static let magic: [UInt8] = Array("SLCFCAST".utf8)
    /// Bumped whenever the payload layout changes.
    /// 2: each series saves the season it was fitted with (detected per series).
    /// 3: a model's constant tuners save E[e²] once, then each constant's E[g²] and E[e·g].
    public static let version: UInt32 = 3
    static let headerSize = 8 + 4 + 8 + 8

    /// Wraps `payload` in the header and checksum.
    public static func frame(_ payload: [UInt8], fingerprint: UInt64) -> [UInt8] {
        var w = SnapshotWriter()
        w.append(magic)
        w.write(version)
        w.write(fingerprint)
        w.write(UInt64(payload.count))
        w.append(payload)
        w.write(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Checks the framing and returns a reader positioned at the payload.
    public static func open(_ bytes: [UInt8], fingerprint: UInt64) throws -> SnapshotReader {
        guard bytes.count >= magic.count, Array(bytes[0 ..< magic.count]) == magic else { throw SnapshotError.notASnapshot }
        guard bytes.count >= headerSize + 4 else { throw SnapshotError.checksumMismatch }
        var r = SnapshotReader(bytes, from: magic.count)
        let version = try r.read(UInt32.self)
        guard version == Self.version else { throw SnapshotError.unsupportedVersion(version) }
        let body = Array(bytes[0 ..< bytes.count - 4])
        var tail = SnapshotReader(bytes, from: bytes.count - 4)
        guard try tail.read(UInt32.self) == CRC32.checksum(body) else { throw SnapshotError.checksumMismatch }
        guard try r.read(UInt64.self) == fingerprint else { throw SnapshotError.foreign }
        guard try r.read(UInt64.self) == UInt64(bytes.count - headerSize - 4) else {
            throw SnapshotError.malformed("payload length disagrees with the file size")
        }
        return SnapshotReader(body, from: headerSize)
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320).
enum CRC32 {
    static let table: [UInt32] = (0 ..< 256).map { n in
        var c = UInt32(n)
        for _ in 0 ..< 8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// FNV-1a over the bytes of a settings description, to tell a snapshot
/// written under other settings from ours.
enum Fingerprint {
    static func of(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
