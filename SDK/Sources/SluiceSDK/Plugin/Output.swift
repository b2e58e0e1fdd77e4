import CSluicePlugin

/// Where a call's results go: emitted records and per-record failures.
/// Valid only during the call it was passed to.
public struct Output {
    @usableFromInline let api: UnsafePointer<sluice_host_api>
    @usableFromInline let ctx: OpaquePointer

    init(api: UnsafePointer<sluice_host_api>, ctx: OpaquePointer) {
        self.api = api
        self.ctx = ctx
    }

    /// Emits one BSON document (copied by the host). Returns false if the
    /// host rejected it (malformed, an unknown output, or a 1.1 option the
    /// host does not have).
    ///
    /// - Parameters:
    ///   - eventTime: ms since the epoch; nil inherits the input's.
    ///   - key: partition/idempotency key; nil inherits the input's.
    ///   - inputIndex: processors: the input record this derives from.
    ///   - token: sources: a position handed back in `ack`.
    ///   - output: 0 for the default output, `i` for `outputs[i - 1]` of the component.
    ///   - split: sources: the split the record was read from (ABI 1.3; a Kafka partition).
    ///   - jsonText: sources: the JSON object the document was decoded from, without
    ///     surrounding whitespace, when the decoding was faithful (ABI 1.6; `Batch.jsonText`).
    ///     Ignored for processors (the host keeps an unchanged input's) and by older hosts.
    ///
    /// Inlinable: a plugin's per-record emit then builds only the options it
    /// sets, instead of a call that tests every argument (88 instructions in file.read).
    @inlinable @discardableResult
    public func emit(_ document: UnsafeRawBufferPointer, eventTime: Int64? = nil, key: UnsafeRawBufferPointer? = nil,
                     inputIndex: Int = -1, token: UInt64 = 0, output: Int = 0, split: UInt32? = nil,
                     jsonText: UnsafeRawBufferPointer? = nil) -> Bool
    {
        // A negative output is no output: refused here, as the host refuses one past the last.
        guard output >= 0 else { return false }
        if output != 0, !structHasField(api.pointee.struct_size, \sluice_host_api.inputs) { return false }
        var options = Self.options(eventTime: eventTime, key: key, inputIndex: inputIndex, token: token, output: output)
        if let split {
            options.split = split
            options.has_split = 1
        }
        if let jsonText, let base = jsonText.baseAddress {
            options.text = base.assumingMemoryBound(to: UInt8.self)
            options.text_length = UInt32(jsonText.count)
            options.text_format = SLUICE_TEXT_JSON
        }
        return api.pointee.emit(ctx, document.baseAddress?.assumingMemoryBound(to: UInt8.self), document.count, &options) == 0
    }

    /// Emits a result made from held records (processors): as `emit`, and
    /// the sources' acks of the records behind `holds` also wait until this
    /// result is written. Attaching does not end a hold; release it once
    /// with `PluginHost.release(_:)` when its record leaves the state.
    @discardableResult
    public func emit(_ document: UnsafeRawBufferPointer, eventTime: Int64? = nil, key: UnsafeRawBufferPointer? = nil,
                     inputIndex: Int = -1, output: Int = 0, holds: [Hold]) -> Bool
    {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.inputs) else { return false }
        var options = Self.options(eventTime: eventTime, key: key, inputIndex: inputIndex, token: 0, output: output)
        let pointers: [OpaquePointer?] = holds.map(\.pointer)
        return pointers.withUnsafeBufferPointer { h in
            options.hold_count = UInt32(h.count)
            options.holds = h.baseAddress
            return api.pointee.emit(ctx, document.baseAddress?.assumingMemoryBound(to: UInt8.self), document.count, &options) == 0
        }
    }

    @discardableResult
    public func emit(_ document: [UInt8], eventTime: Int64? = nil, key: [UInt8]? = nil, inputIndex: Int = -1,
                     token: UInt64 = 0, output: Int = 0) -> Bool
    {
        document.withUnsafeBytes { d in
            guard let key else { return emit(d, eventTime: eventTime, key: nil, inputIndex: inputIndex, token: token, output: output) }
            return key.withUnsafeBytes { emit(d, eventTime: eventTime, key: $0, inputIndex: inputIndex, token: token, output: output) }
        }
    }

    @discardableResult
    public func emit(_ document: [UInt8], eventTime: Int64? = nil, key: [UInt8]? = nil, inputIndex: Int = -1,
                     output: Int = 0, holds: [Hold]) -> Bool
    {
        document.withUnsafeBytes { d in
            guard let key else { return emit(d, eventTime: eventTime, key: nil, inputIndex: inputIndex, output: output, holds: holds) }
            return key.withUnsafeBytes { emit(d, eventTime: eventTime, key: $0, inputIndex: inputIndex, output: output, holds: holds) }
        }
    }

    /// The options every emit sets, the struct sized as this header has it.
    @inlinable static func options(eventTime: Int64?, key: UnsafeRawBufferPointer?, inputIndex: Int, token: UInt64,
                                   output: Int) -> sluice_emit_options
    {
        var options = sluice_emit_options()
        options.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
        options.event_time_ms = eventTime ?? Int64.min
        options.key = key?.baseAddress?.assumingMemoryBound(to: UInt8.self)
        options.key_length = UInt32(key?.count ?? 0)
        options.input_index = Int32(clamping: inputIndex)
        options.token = token
        options.output = UInt32(clamping: output)
        return options
    }

    /// Holds input record `index` of the current batch (processors, inside
    /// `process`): its source batch is not acked until the hold is released
    /// and every result it was attached to is written. nil for an index out
    /// of range or a host older than ABI 1.1.
    ///
    /// Sinks, inside `write` (ABI 1.4): marks the record as sent but not yet
    /// confirmed, so `write` may return before it is durable; end the hold
    /// with `PluginHost.release(_:)` once it is, or
    /// `PluginHost.release(_:failed:retriable:)` if it is not. nil when the
    /// host wants this write synchronous: then wait for the outcome inside `write`.
    public func hold(_ index: Int) -> Hold? {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.hold), let hold = api.pointee.hold else { return nil }
        return Hold(hold(ctx, index))
    }

    /// Sources, inside `poll` (ABI 1.3): the source stopped reading `splits`
    /// (a rebalance revoked the partitions). Records emitted before this
    /// call belong to the old assignment; processors downstream are told,
    /// in order, through `Batch.revokedSplits`. Ignored by an older host.
    public func revokeSplits(_ splits: [UInt32]) {
        guard !splits.isEmpty, structHasField(api.pointee.struct_size, \sluice_host_api.revoke_splits),
              let revoke = api.pointee.revoke_splits else { return }
        splits.withUnsafeBufferPointer { revoke(ctx, $0.baseAddress, $0.count) }
    }

    /// Passes an input record on unchanged (a filter's pass). Uses the
    /// host's zero-copy `forward` when the host has it.
    ///
    /// Inlinable: a filter's loop then reads only the record's index, where
    /// a call took the whole record (its metadata copied per record).
    @inlinable @discardableResult
    public func forward(_ record: Record) -> Bool {
        if structHasField(api.pointee.struct_size, \sluice_host_api.forward), let forward = api.pointee.forward {
            return forward(ctx, record.index) == 0
        }
        return emit(record.document.bytes, inputIndex: record.index)
    }

    /// Reports that input record `index` failed: permanently (dead-letter
    /// queue, with `reason`) or retriably (the host retries it with backoff).
    public func fail(_ index: Int, _ reason: String, retriable: Bool = false) {
        reason.withCString {
            api.pointee.fail(ctx, index, retriable ? SLUICE_FAILURE_RETRIABLE : SLUICE_FAILURE_PERMANENT, $0)
        }
    }
}
