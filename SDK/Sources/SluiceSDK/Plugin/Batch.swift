import CSluicePlugin

/// A borrowed batch of records, valid only during the call it was passed to.
public struct Batch: RandomAccessCollection {
    let raw: UnsafePointer<sluice_batch>

    public init(_ raw: UnsafePointer<sluice_batch>) { self.raw = raw }

    /// Which input the batch came from: an index into the component's
    /// `inputs:` list (`PluginHost.inputNames`); 0 on an ABI 1.0 host.
    public var inputPort: Int {
        structHasField(raw.pointee.struct_size, \sluice_batch.input_port) ? Int(raw.pointee.input_port) : 0
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { raw.pointee.count }

    public subscript(i: Int) -> Record {
        let b = raw.pointee
        let meta = (UnsafeRawPointer(b.meta!) + i * Int(b.meta_stride)).assumingMemoryBound(to: sluice_record_meta.self).pointee
        let doc = UnsafeRawBufferPointer(start: b.data! + Int(meta.offset), count: Int(meta.length))
        return Record(index: i, document: BSONDocument(doc), meta: meta)
    }
}

/// One record: a BSON document plus its metadata.
public struct Record {
    /// Position in the batch (for `Output.fail` and `emit(inputIndex:)`).
    public let index: Int
    public let document: BSONDocument
    let meta: sluice_record_meta

    /// Event time in ms since the epoch, if known.
    public var eventTime: Int64? { meta.event_time_ms == Int64.min ? nil : meta.event_time_ms }

    /// The record key's bytes, if any.
    public var key: UnsafeRawBufferPointer? {
        meta.key.map { UnsafeRawBufferPointer(start: $0, count: Int(meta.key_length)) }
    }
}
