import CSluicePlugin

/// A borrowed batch of records, valid only during the call it was passed to.
public struct Batch: RandomAccessCollection {
    @usableFromInline let raw: UnsafePointer<sluice_batch>

    public init(_ raw: UnsafePointer<sluice_batch>) { self.raw = raw }

    /// Which input the batch came from: an index into the component's
    /// `inputs:` list (`PluginHost.inputNames`); 0 on an ABI 1.0 host.
    public var inputPort: Int {
        structHasField(raw.pointee.struct_size, \sluice_batch.input_port) ? Int(raw.pointee.input_port) : 0
    }

    /// A control batch (ABI 1.3, no records): the source behind `inputPort`
    /// stopped reading these splits (a Kafka rebalance moved the partitions).
    /// Drop state kept for them without output and release its holds; the
    /// new owner replays the records. Empty for an ordinary batch.
    public var revokedSplits: [UInt32] {
        let b = raw.pointee
        guard structHasField(b.struct_size, \sluice_batch.revoked_count), let splits = b.revoked_splits, b.revoked_count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: splits, count: b.revoked_count))
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { raw.pointee.count }

    /// Inlinable, with the older host's case out of line: a plugin's loop over
    /// its batch paid a cross-module call and a copy of the whole batch
    /// header per record, about 50 instructions each.
    @inlinable public subscript(i: Int) -> Record {
        let stride = Int(raw.pointee.meta_stride)
        let entry = UnsafeRawPointer(raw.pointee.meta.unsafelyUnwrapped) + i &* stride
        let meta = stride >= MemoryLayout<sluice_record_meta>.size
            ? entry.assumingMemoryBound(to: sluice_record_meta.self).pointee : Self.shortMeta(entry, stride)
        let doc = UnsafeRawBufferPointer(start: raw.pointee.data.unsafelyUnwrapped + Int(meta.offset), count: Int(meta.length))
        return Record(index: i, document: BSONDocument(doc), meta: meta)
    }

    /// The JSON text the source decoded `record` from (ABI 1.6), while no
    /// processor changed it: one JSON object, no surrounding whitespace, that
    /// decodes to exactly its document. A sink that writes JSON may write it
    /// instead of encoding the document. nil when the record has none.
    /// Asked of the batch, not kept in every `Record`: a loop that never
    /// asks (most plugins') pays nothing per record for it.
    @inlinable public func jsonText(_ record: Record) -> UnsafeRawBufferPointer? {
        // Only a 1.6 host's batch has `text_data`; an older one's stride leaves `text_length` 0.
        let m = record.meta
        guard m.text_length != 0, m.text_format == SLUICE_TEXT_JSON, let texts = raw.pointee.text_data else { return nil }
        return UnsafeRawBufferPointer(start: texts + Int(m.text_offset), count: Int(m.text_length))
    }

    /// Every record's JSON text as the JSON lines they already are in the
    /// host's memory (ABI 1.8: each text is followed by a line feed), when
    /// every record has one and each lies right after the one before: the
    /// bytes from the first text to the last one's line feed, which a sink
    /// writes in one piece instead of copying each line. nil otherwise (an
    /// older host, a record a processor changed, records in another order).
    @inlinable public func jsonLines() -> UnsafeRawBufferPointer? {
        guard count > 0, structHasField(raw.pointee.struct_size, \sluice_batch.text_data_length),
              let texts = raw.pointee.text_data else { return nil }
        let limit = raw.pointee.text_data_length
        let start = Int(self[0].meta.text_offset)
        var next = start
        // The metadata is read, and of the texts only the last byte, which the write then reads
        // anyway. An older host packs its texts with no line feed between them, so a second
        // record's offset is not one past the first's end (a JSON object is longer than one
        // byte), and the last text ends at `limit`, with no line feed after it.
        for i in 0 ..< count {
            let m = self[i].meta
            guard m.text_length != 0, m.text_format == SLUICE_TEXT_JSON, Int(m.text_offset) == next else { return nil }
            next = Int(m.text_offset) + Int(m.text_length) + 1
        }
        guard next <= limit, texts[next - 1] == 0x0A else { return nil }
        return UnsafeRawBufferPointer(start: texts + start, count: next - start)
    }

    /// An older host's shorter entry: what it wrote, and no more.
    @usableFromInline static func shortMeta(_ entry: UnsafeRawPointer, _ stride: Int) -> sluice_record_meta {
        var short = sluice_record_meta()
        short.split = UInt32.max
        withUnsafeMutableBytes(of: &short) { $0.copyMemory(from: UnsafeRawBufferPointer(start: entry, count: stride)) }
        return short
    }
}

/// One record: a BSON document plus its metadata.
public struct Record {
    /// Position in the batch (for `Output.fail` and `emit(inputIndex:)`).
    public let index: Int
    public let document: BSONDocument
    @usableFromInline let meta: sluice_record_meta

    @inlinable init(index: Int, document: BSONDocument, meta: sluice_record_meta) {
        self.index = index
        self.document = document
        self.meta = meta
    }

    /// Event time in ms since the epoch, if known.
    public var eventTime: Int64? { meta.event_time_ms == Int64.min ? nil : meta.event_time_ms }

    /// The source split the record was read from (kafka.read: its partition
    /// number), or nil; see `Batch.revokedSplits`.
    public var split: UInt32? { meta.split == UInt32.max ? nil : meta.split }

    /// The record key's bytes, if any.
    public var key: UnsafeRawBufferPointer? {
        meta.key.map { UnsafeRawBufferPointer(start: $0, count: Int(meta.key_length)) }
    }
}
