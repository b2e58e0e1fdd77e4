/// One batch as the disk buffer stores it: a 12-byte header (magic, payload
/// length, CRC-32C of the payload) and the records with their metadata.
/// Delivery tokens are not stored: a source is acknowledged once its
/// records are in the log, so a replayed record belongs to no source batch.
///
/// Payload: the sink input port the batch came in on (u32), record count (u32), then per record event time (i64), split
/// (u32), key length (u32, `noKey` for none), document length (u32), key,
/// document. All little-endian.
enum BufferFrame {
    static let magic: UInt32 = 0x3142_4C53 // "SLB1"
    static let headerSize = 12
    private static let noKey = UInt32.max

    /// What a frame header says.
    struct Header {
        let payloadLength: Int
        let checksum: UInt32
    }

    /// The frame of `records`, header included.
    static func encode(_ records: RecordBuffer, port: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + 8 + records.byteCount + records.count * 24)
        out.append(contentsOf: repeatElement(0, count: headerSize))
        out.appendLittleEndian(UInt32(port))
        out.appendLittleEndian(UInt32(records.count))
        for i in 0 ..< records.count {
            records.withRecord(i) { doc, key in
                out.appendLittleEndian(UInt64(bitPattern: records.eventTime(at: i) ?? .min))
                out.appendLittleEndian(records.split(at: i))
                out.appendLittleEndian(key.map { UInt32($0.count) } ?? noKey)
                out.appendLittleEndian(UInt32(doc.count))
                if let key { out.append(contentsOf: key) }
                out.append(contentsOf: doc)
            }
        }
        let payloadLength = out.count - headerSize
        let checksum = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[headerSize...])) }
        out.withUnsafeMutableBytes { b in
            b.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
            b.storeBytes(of: UInt32(payloadLength).littleEndian, toByteOffset: 4, as: UInt32.self)
            b.storeBytes(of: checksum.littleEndian, toByteOffset: 8, as: UInt32.self)
        }
        return out
    }

    /// The header at the start of `bytes`, or nil if it is not one.
    static func header(_ bytes: UnsafeRawBufferPointer) -> Header? {
        guard bytes.count >= headerSize, read(UInt32.self, bytes, 0) == magic else { return nil }
        return Header(payloadLength: Int(read(UInt32.self, bytes, 4)), checksum: read(UInt32.self, bytes, 8))
    }

    /// The records and input port of a payload whose checksum matches `header`, or nil.
    static func decode(_ payload: UnsafeRawBufferPointer, header: Header) -> (RecordBuffer, port: Int)? {
        guard payload.count == header.payloadLength, CRC32C.checksum(payload) == header.checksum, payload.count >= 8 else { return nil }
        let port = Int(read(UInt32.self, payload, 0))
        let count = Int(read(UInt32.self, payload, 4))
        let records = RecordBuffer(capacity: min(count, payload.count / 20))
        var at = 8
        for _ in 0 ..< count {
            guard at + 20 <= payload.count else { return nil }
            let eventTime = Int64(bitPattern: read(UInt64.self, payload, at))
            let split = read(UInt32.self, payload, at + 8)
            let keyLength = read(UInt32.self, payload, at + 12)
            let docLength = Int(read(UInt32.self, payload, at + 16))
            at += 20
            let keyBytes = keyLength == noKey ? 0 : Int(keyLength)
            guard at + keyBytes + docLength <= payload.count else { return nil }
            let key = keyLength == noKey ? nil : UnsafeRawBufferPointer(rebasing: payload[at ..< at + keyBytes])
            let doc = UnsafeRawBufferPointer(rebasing: payload[at + keyBytes ..< at + keyBytes + docLength])
            records.append(doc, eventTime: eventTime, key: key, token: 0, split: split)
            at += keyBytes + docLength
        }
        return at == payload.count ? (records, port) : nil
    }

    private static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, _ at: Int) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self))
    }
}
