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
    /// host rejected it as malformed.
    ///
    /// - Parameters:
    ///   - eventTime: ms since the epoch; nil inherits the input's.
    ///   - key: partition/idempotency key; nil inherits the input's.
    ///   - inputIndex: processors: the input record this derives from.
    ///   - token: sources: a position handed back in `ack`.
    @discardableResult
    public func emit(_ document: UnsafeRawBufferPointer, eventTime: Int64? = nil, key: UnsafeRawBufferPointer? = nil,
                     inputIndex: Int = -1, token: UInt64 = 0) -> Bool
    {
        var options = sluice_emit_options()
        options.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
        options.event_time_ms = eventTime ?? Int64.min
        options.key = key?.baseAddress?.assumingMemoryBound(to: UInt8.self)
        options.key_length = UInt32(key?.count ?? 0)
        options.input_index = Int32(inputIndex)
        options.token = token
        return api.pointee.emit(ctx, document.baseAddress?.assumingMemoryBound(to: UInt8.self), document.count, &options) == 0
    }

    @discardableResult
    public func emit(_ document: [UInt8], eventTime: Int64? = nil, key: [UInt8]? = nil, inputIndex: Int = -1,
                     token: UInt64 = 0) -> Bool
    {
        document.withUnsafeBytes { d in
            if let key {
                return key.withUnsafeBytes { emit(d, eventTime: eventTime, key: $0, inputIndex: inputIndex, token: token) }
            }
            return emit(d, eventTime: eventTime, key: nil, inputIndex: inputIndex, token: token)
        }
    }

    /// Passes an input record on unchanged (a filter's pass). Uses the
    /// host's zero-copy `forward` when the host has it.
    @discardableResult
    public func forward(_ record: Record) -> Bool {
        if Int(api.pointee.struct_size) >= MemoryLayout<sluice_host_api>.offset(of: \.forward)! + 8, let forward = api.pointee.forward {
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
