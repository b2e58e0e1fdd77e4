import CSluicePlugin

/// Records as a processor's child sends them back: per record event time
/// (i64), split (u32), delivery token (u64), key length (u32, `noKey` for
/// none), document length (u32), key, document; after a u32 count. Unlike
/// `BufferFrame`, tokens travel: a record forwarded by an isolated
/// processor is still pinned alone when a processor after it holds it.
enum WireRecords {
    private static let noKey = UInt32.max

    /// One record read from the wire; its bytes point into the answer.
    struct Record {
        let document: UnsafeRawBufferPointer
        let key: UnsafeRawBufferPointer?
        let eventTime: Int64
        let split: UInt32
        let token: UInt64
    }

    static func put(_ records: RecordBuffer, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 4 + records.byteCount + records.count * 24)
        out.appendLittleEndian(UInt32(records.count))
        for i in 0 ..< records.count {
            records.withRecord(i) { doc, key in
                out.appendLittleEndian(UInt64(bitPattern: records.eventTime(at: i) ?? .min))
                out.appendLittleEndian(records.split(at: i))
                out.appendLittleEndian(records.tokens[i])
                out.appendLittleEndian(key.map { UInt32($0.count) } ?? noKey)
                out.appendLittleEndian(UInt32(doc.count))
                if let key { out.append(contentsOf: key) }
                out.append(contentsOf: doc)
            }
        }
    }

    /// Reads records into a buffer of their own (the child's copy of a batch).
    static func buffer(_ r: inout WireCursor) -> RecordBuffer? {
        let out = RecordBuffer()
        let ok = read(&r) { out.append($0.document, eventTime: $0.eventTime, key: $0.key, token: $0.token, split: $0.split) }
        return ok ? out : nil
    }

    /// Reads one output's records, giving each to `body`; false if they do not parse.
    static func read(_ r: inout WireCursor, _ body: (Record) -> Void) -> Bool {
        guard let count = r.u32() else { return false }
        for _ in 0 ..< count {
            guard let eventTime = r.u64(), let split = r.u32(), let token = r.u64(), let keyLength = r.u32(), let docLength = r.u32()
            else { return false }
            var key: UnsafeRawBufferPointer?
            if keyLength != noKey {
                guard let k = r.bytes(Int(keyLength)) else { return false }
                key = k
            }
            guard let doc = r.bytes(Int(docLength)) else { return false }
            body(Record(document: doc, key: key, eventTime: Int64(bitPattern: eventTime), split: split, token: token))
        }
        return true
    }
}

extension WireRecords.Record {
    /// Emits the record into a host context as the plugin emitted it in the
    /// child, under `token`; the context checks the document again.
    func emit(into ctx: CallContext, output: Int, token: UInt64) -> Int32 {
        var o = sluice_emit_options()
        o.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
        o.event_time_ms = eventTime
        o.input_index = -1
        o.token = token
        o.output = UInt32(output)
        o.split = split
        o.has_split = split == RecordBuffer.noSplit ? 0 : 1
        if let key, let base = key.baseAddress {
            o.key = base.assumingMemoryBound(to: UInt8.self)
            o.key_length = UInt32(key.count)
        }
        return ctx.emit(document, &o)
    }
}

/// Reads little-endian integers and byte runs from a buffer, front to back;
/// nil past its end.
struct WireCursor {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { at == bytes.count }
    var remaining: Int { bytes.count - at }

    mutating func u8() -> UInt8? { integer() }
    mutating func u32() -> UInt32? { integer() }
    mutating func u64() -> UInt64? { integer() }

    mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= bytes.count - at else { return nil }
        defer { at += count }
        return UnsafeRawBufferPointer(rebasing: bytes[at ..< at + count])
    }

    mutating func string() -> String? {
        guard let n = u32(), let b = bytes(Int(n)) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    private mutating func integer<T: FixedWidthInteger>() -> T? {
        guard let b = bytes(MemoryLayout<T>.size) else { return nil }
        return T(littleEndian: b.loadUnaligned(as: T.self))
    }
}
