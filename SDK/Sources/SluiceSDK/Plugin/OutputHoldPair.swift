import CSluicePlugin

extension Output {
    /// `emit(_:eventTime:holds:)` for a result made from one or two held
    /// records (a join's pair or outer row): the hold list is built on the
    /// stack, where the array form allocates two arrays per result.
    @discardableResult
    public func emit(_ document: UnsafeRawBufferPointer, eventTime: Int64, holds first: Hold?, _ second: Hold?) -> Bool {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.inputs) else { return false }
        var options = sluice_emit_options()
        options.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
        options.event_time_ms = eventTime
        options.input_index = -1
        var list: (OpaquePointer?, OpaquePointer?) = (first?.pointer, second?.pointer)
        var count: UInt32 = 2
        if first == nil {
            list.0 = list.1
            count -= 1
        }
        if second == nil { count -= 1 }
        return withUnsafeMutablePointer(to: &list) { pair in
            pair.withMemoryRebound(to: OpaquePointer?.self, capacity: 2) { holds in
                options.hold_count = count
                options.holds = count > 0 ? UnsafePointer(holds) : nil
                return api.pointee.emit(ctx, document.baseAddress?.assumingMemoryBound(to: UInt8.self), document.count, &options) == 0
            }
        }
    }
}
