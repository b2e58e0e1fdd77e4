import CSluicePlugin

/// Where a call's results go: emitted records and per-record failures.
/// Valid only during the call it was passed to.
public struct Output {
    let api: UnsafePointer<sluice_host_api>
    let ctx: OpaquePointer

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
    ///   - holds: processors: holds of the records this result was made from;
    ///     the sources' acks of those records wait until it is written.
    @discardableResult
    public func emit(_ document: UnsafeRawBufferPointer, eventTime: Int64? = nil, key: UnsafeRawBufferPointer? = nil,
                     inputIndex: Int = -1, token: UInt64 = 0, output: Int = 0, holds: [Hold] = []) -> Bool
    {
        if output != 0 || !holds.isEmpty, !structHasField(api.pointee.struct_size, \sluice_host_api.inputs) { return false }
        var options = sluice_emit_options()
        options.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
        options.event_time_ms = eventTime ?? Int64.min
        options.key = key?.baseAddress?.assumingMemoryBound(to: UInt8.self)
        options.key_length = UInt32(key?.count ?? 0)
        options.input_index = Int32(inputIndex)
        options.token = token
        options.output = UInt32(clamping: output)
        let bytes = document.baseAddress?.assumingMemoryBound(to: UInt8.self)
        if holds.isEmpty {
            return api.pointee.emit(ctx, bytes, document.count, &options) == 0
        }
        let pointers: [OpaquePointer?] = holds.map(\.pointer)
        return pointers.withUnsafeBufferPointer { h in
            options.hold_count = UInt32(h.count)
            options.holds = h.baseAddress
            return api.pointee.emit(ctx, bytes, document.count, &options) == 0
        }
    }

    @discardableResult
    public func emit(_ document: [UInt8], eventTime: Int64? = nil, key: [UInt8]? = nil, inputIndex: Int = -1,
                     token: UInt64 = 0, output: Int = 0, holds: [Hold] = []) -> Bool
    {
        document.withUnsafeBytes { d in
            if let key {
                return key.withUnsafeBytes {
                    emit(d, eventTime: eventTime, key: $0, inputIndex: inputIndex, token: token, output: output, holds: holds)
                }
            }
            return emit(d, eventTime: eventTime, key: nil, inputIndex: inputIndex, token: token, output: output, holds: holds)
        }
    }

    /// Holds input record `index` of the current batch (processors, inside
    /// `process`): its source batch is not acked until the hold is released
    /// and every result it was attached to is written. nil for an index out
    /// of range or a host older than ABI 1.1.
    public func hold(_ index: Int) -> Hold? {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.hold), let hold = api.pointee.hold else { return nil }
        return Hold(hold(ctx, index))
    }

    /// Passes an input record on unchanged (a filter's pass). Uses the
    /// host's zero-copy `forward` when the host has it.
    @discardableResult
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
