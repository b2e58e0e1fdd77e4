import CSluicePlugin
import SluiceSDK

/// A host-owned batch: documents back to back, their metadata, keys,
/// (for source batches) delivery tokens, and the source texts (ABI 1.6)
/// of the records that have one. Immutable once dispatched, so one
/// buffer is shared by every consumer of a fan-out without copying.
///
/// `@unchecked Sendable`: one thread fills a buffer; it is never mutated
/// after dispatch, and the inbox's lock (`BoundedQueue.mutex`) publishes
/// it to the consumer threads.
///
/// The storage opts out of dynamic exclusivity checks: accesses cannot
/// overlap (one thread appends, and only before dispatch; no method appends
/// to a buffer while reading that same buffer), and the checks were a
/// runtime call per array per appended record on every emit.
public final class RecordBuffer: @unchecked Sendable {
    /// The documents, shared with the selections made from this buffer.
    private let bytes: RecordBytes
    /// The records' source texts (`sluice_batch.text_data`), shared with the
    /// selections like `bytes`; empty, and never allocated, when no record has one.
    private let texts: RecordBytes
    /// False for a selection: it shares its parent's bytes, which an append
    /// could move under a thread reading the parent.
    private let appendable: Bool
    @exclusivity(unchecked) private(set) var metas: [sluice_record_meta] = []
    @exclusivity(unchecked) private var keys: [UInt8] = []
    /// Start of each record's key in `keys`, or -1: empty while no record
    /// has a key (most batches), so that a keyless record appends no entry;
    /// else one entry per record. Never empty while `keys` holds bytes
    /// (`seal` and `withBatch` index it then; a selection of a keyed
    /// buffer keeps -1 for each of its records).
    @exclusivity(unchecked) private var keyStarts: [Int32] = []
    @exclusivity(unchecked) private(set) var tokens: [UInt64] = []
    /// Bytes of the records' documents, kept as they are appended (or
    /// selected) so that dispatching a batch does not sum its records.
    @exclusivity(unchecked) public private(set) var byteCount = 0
    /// Bytes of the records' source texts and their line feeds, kept like
    /// `byteCount` (a selection's own records only, not its parent's), so
    /// room made for a copy of them is what they take.
    @exclusivity(unchecked) private(set) var textByteCount = 0
    /// Room to make for the texts when the first one arrives (`reserve`):
    /// a buffer whose records have none allocates none.
    @exclusivity(unchecked) private var textRoom = 0
    /// Set by `seal`: from then on `metas` carry their key pointers (into
    /// `sealedKeys`), so every call given the batch reads them as they are.
    private var sealed = false
    /// The keys of a sealed buffer, shared with the selections made from it.
    private var sealedKeys: SealedKeys?

    /// `SLUICE_NO_SPLIT`: the record was not read from a split.
    static let noSplit = UInt32.max

    /// Room for `capacity` records of `bytesPerRecord` bytes on average, and
    /// if they come with source texts, of `textBytesPerRecord` (by default as
    /// many) more each (a guess too small costs one copy of the batch when it grows).
    public init(capacity: Int = 0, bytesPerRecord: Int = 128, textBytesPerRecord: Int? = nil) {
        bytes = RecordBytes()
        texts = RecordBytes()
        appendable = true
        reserve(records: capacity, bytes: capacity * bytesPerRecord, texts: capacity * (textBytesPerRecord ?? bytesPerRecord))
    }

    /// Makes room for `records` more records holding `bytes` more bytes, and
    /// `texts` more bytes of source text, allocated with the first text.
    func reserve(records: Int, bytes: Int, texts: Int = 0) {
        guard records > 0 else { return }
        metas.reserveCapacity(metas.count + records)
        tokens.reserveCapacity(tokens.count + records)
        if !keyStarts.isEmpty { keyStarts.reserveCapacity(keyStarts.count + records) }
        self.bytes.reserve(bytes)
        textRoom += texts
    }

    public var count: Int { metas.count }
    public var isEmpty: Bool { metas.isEmpty }

    /// The records at `indices` of `parent`, sharing its bytes: only the
    /// metadata is copied (arrays are copy-on-write and never mutated after dispatch).
    /// A selection of a sealed buffer is sealed too: its metadata keeps the
    /// key pointers, and it holds the keys they point into.
    init(selecting indices: [Int], from parent: RecordBuffer) {
        bytes = parent.bytes
        texts = parent.texts
        appendable = false
        keys = parent.keys
        metas = indices.map { parent.metas[$0] }
        keyStarts = parent.keyStarts.isEmpty ? [] : indices.map { parent.keyStarts[$0] }
        tokens = indices.map { parent.tokens[$0] }
        byteCount = metas.reduce(0) { $0 + Int($1.length) }
        textByteCount = metas.reduce(0) { $0 + ($1.text_length == 0 ? 0 : Int($1.text_length) + 1) }
        sealed = parent.sealed
        sealedKeys = parent.sealedKeys
    }

    /// Ends the filling: sets each record's key pointer once, so that the
    /// batch is given to every call after it (each hop of a chain, each
    /// consumer of a fan-out) without a per-call copy of its metadata.
    /// Called by the thread that filled the buffer, before it is published
    /// (`WorkerGroup.push`); nothing is appended afterwards.
    func seal() {
        guard !sealed else { return }
        if !keys.isEmpty {
            let frozen = SealedKeys(keys)
            for i in metas.indices where keyStarts[i] >= 0 {
                metas[i].key = UnsafePointer(frozen.bytes + Int(keyStarts[i]))
            }
            sealedKeys = frozen
        }
        sealed = true
    }

    /// Appends a copy of a document and, when given, of the text it was
    /// decoded from (`text`, in `SLUICE_TEXT_*` `textFormat`). The caller has
    /// checked the document is well formed.
    func append(_ doc: UnsafeRawBufferPointer, eventTime: Int64, key: UnsafeRawBufferPointer?, token: UInt64,
                split: UInt32 = RecordBuffer.noSplit, text: UnsafeRawBufferPointer? = nil, textFormat: UInt32 = SLUICE_TEXT_NONE)
    {
        precondition(appendable, "append to a selection of another buffer")
        var meta = sluice_record_meta()
        meta.offset = UInt32(bytes.count)
        meta.length = UInt32(doc.count)
        meta.event_time_ms = eventTime
        meta.split = split
        bytes.append(doc.baseAddress, length: doc.count)
        if let text, let start = text.baseAddress, text.count > 0, textFormat != SLUICE_TEXT_NONE {
            if texts.count == 0 { texts.reserve(Swift.max(textRoom, text.count + 1)) }
            meta.text_offset = UInt32(texts.count)
            meta.text_length = UInt32(text.count)
            meta.text_format = textFormat
            // Each text ends in a line feed (ABI 1.8): the texts of records
            // stored one after another are JSON lines as they lie.
            texts.appendLine(start, length: text.count)
            textByteCount &+= text.count + 1
        }
        if let key, let base = key.baseAddress, key.count > 0 {
            if keyStarts.isEmpty {
                keyStarts.reserveCapacity(metas.capacity)
                keyStarts.append(contentsOf: repeatElement(-1, count: metas.count))
            }
            keyStarts.append(Int32(keys.count))
            meta.key_length = UInt32(key.count)
            keys.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: key.count))
        } else if !keyStarts.isEmpty {
            keyStarts.append(-1)
        }
        metas.append(meta)
        tokens.append(token)
        byteCount += doc.count
    }

    /// Appends a document given as bytes (tests, built-in writers).
    public func append(_ doc: [UInt8], eventTime: Int64? = nil, key: [UInt8]? = nil) {
        doc.withUnsafeBytes { d in
            if let key {
                key.withUnsafeBytes { append(d, eventTime: eventTime ?? .min, key: $0, token: 0) }
            } else {
                append(d, eventTime: eventTime ?? .min, key: nil, token: 0)
            }
        }
    }

    /// Copies record `i` of another buffer, its source text included.
    func append(from other: RecordBuffer, at i: Int) {
        let text = other.text(at: i)
        other.withRecord(i) { doc, key in
            append(doc, eventTime: other.metas[i].event_time_ms, key: key, token: other.tokens[i], split: other.metas[i].split,
                   text: text?.bytes, textFormat: text?.format ?? SLUICE_TEXT_NONE)
        }
    }

    /// The source text of record `i` and its `SLUICE_TEXT_*` format, or nil when it has none.
    @inline(__always)
    func text(at i: Int) -> (bytes: UnsafeRawBufferPointer, format: UInt32)? {
        let m = metas[i]
        return m.text_length == 0 ? nil : (texts.slice(Int(m.text_offset), Int(m.text_length)), m.text_format)
    }

    /// Whether `doc` is record `i`'s document itself, the very bytes of this
    /// buffer (what a processor emits when it passes its input on unchanged).
    @inline(__always)
    func isDocument(_ doc: UnsafeRawBufferPointer, at i: Int) -> Bool {
        let m = metas[i]
        return doc.count == Int(m.length) && doc.baseAddress == bytes.slice(Int(m.offset), 0).baseAddress
    }

    /// The earliest and the latest event time among the records; nil when
    /// none has one. A scan of the metadata, made only for a batch bound for
    /// an inbox that orders by event time (`PortedQueue`): kept as records
    /// were appended, it cost every batch of every stage.
    var eventTimeRange: (earliest: Int64, latest: Int64)? {
        var earliest = Int64.max, latest = Int64.min
        for m in metas where m.event_time_ms != .min {
            earliest = Swift.min(earliest, m.event_time_ms)
            latest = Swift.max(latest, m.event_time_ms)
        }
        return latest == .min ? nil : (earliest, latest)
    }

    public func eventTime(at i: Int) -> Int64? {
        metas[i].event_time_ms == .min ? nil : metas[i].event_time_ms
    }

    /// The source split of record `i`, or `noSplit`.
    func split(at i: Int) -> UInt32 { metas[i].split }

    /// Gives the document and key of record `i` to `body`.
    public func withRecord<R>(_ i: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        let m = metas[i]
        let doc = bytes.slice(Int(m.offset), Int(m.length))
        if keyStarts.isEmpty || keyStarts[i] < 0 { return try body(doc, nil) }
        // Sealed: the key pointer is set, into `sealedKeys`, which this buffer
        // holds; reading `keys` instead cost a retain and a release of the array.
        if let key = m.key { return try body(doc, UnsafeRawBufferPointer(start: key, count: Int(m.key_length))) }
        return try keys.withUnsafeBytes { k in
            try body(doc, UnsafeRawBufferPointer(rebasing: k[Int(keyStarts[i]) ..< Int(keyStarts[i]) + Int(m.key_length)]))
        }
    }

    /// The records as a C batch, valid inside `body` only.
    ///
    /// Safe to call from several threads at once (fan-out shares a buffer):
    /// a sealed buffer's metadata is only read; an unsealed one's key
    /// pointers go into a per-call copy of it, never into `metas`.
    func withBatch<R>(port: Int = 0, _ body: (UnsafePointer<sluice_batch>) throws -> R) rethrows -> R {
        try withExtendedLifetime((bytes, texts)) {
            try keys.withUnsafeBufferPointer { k in
                var withKeys: [sluice_record_meta]?
                if !sealed, !keys.isEmpty {
                    var copy = metas
                    for i in copy.indices where keyStarts[i] >= 0 {
                        copy[i].key = k.baseAddress! + Int(keyStarts[i])
                    }
                    withKeys = copy
                }
                return try (withKeys ?? metas).withUnsafeBufferPointer { m in
                    var batch = sluice_batch()
                    batch.struct_size = UInt32(MemoryLayout<sluice_batch>.size)
                    batch.meta_stride = UInt32(MemoryLayout<sluice_record_meta>.stride)
                    batch.count = m.count
                    batch.data = UnsafePointer(bytes.base?.assumingMemoryBound(to: UInt8.self))
                    batch.data_length = bytes.count
                    batch.meta = m.baseAddress
                    batch.input_port = UInt32(port)
                    batch.text_data = UnsafePointer(texts.base?.assumingMemoryBound(to: UInt8.self))
                    batch.text_data_length = texts.count
                    return try body(&batch)
                }
            }
        }
    }

    /// A control batch of no records telling input `port` that `splits` were revoked (ABI 1.3).
    static func withRevocation<R>(port: Int, splits: [UInt32], _ body: (UnsafePointer<sluice_batch>) throws -> R) rethrows -> R {
        try splits.withUnsafeBufferPointer { s in
            var batch = sluice_batch()
            batch.struct_size = UInt32(MemoryLayout<sluice_batch>.size)
            batch.meta_stride = UInt32(MemoryLayout<sluice_record_meta>.stride)
            batch.input_port = UInt32(port)
            batch.revoked_splits = s.baseAddress
            batch.revoked_count = s.count
            return try body(&batch)
        }
    }
}
