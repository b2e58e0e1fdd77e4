import CSluicePlugin

extension Output {
    /// `emit(_:eventTime:holds:)` for a result made from one or two held
    /// records (a join's pair or outer row): the hold list is built on the
    /// stack, where the array form allocates two arrays per result.
    @discardableResult
    public func emit(_ document: UnsafeRawBufferPointer, eventTime: Int64, holds first: Hold?, _ second: Hold?) -> Bool {
        guard structHasField(api.pointee.struct_size, \sluice_host_api.inputs) else { return false }
        return withOptions(eventTime: eventTime, holds: first, second) { options in
            api.pointee.emit(ctx, document.baseAddress?.assumingMemoryBound(to: UInt8.self), document.count, options)
        }
    }

    /// Whether the host assembles documents from parts (ABI 1.6 `emit_parts`).
    public var assemblesParts: Bool {
        structHasField(api.pointee.struct_size, \sluice_host_api.emit_parts) && api.pointee.emit_parts != nil
    }

    /// As `emit(_:eventTime:holds:_:)` for the document
    /// `{left.name: left.document, right.name: right.document}`, assembled
    /// by the host from documents it already checked: it checks their framing
    /// only, where a document built here is checked element by element.
    /// False, emitting nothing, without `assemblesParts` or if the host refused.
    @discardableResult
    public func emit(_ left: DocumentPart, _ right: DocumentPart, eventTime: Int64, holds first: Hold?, _ second: Hold?) -> Bool {
        guard assemblesParts else { return false }
        var parts = (left.part, right.part)
        return withOptions(eventTime: eventTime, holds: first, second) { options in
            withUnsafePointer(to: &parts) { pair in
                pair.withMemoryRebound(to: sluice_document_part.self, capacity: 2) { api.pointee.emit_parts(ctx, $0, 2, options) }
            }
        }
    }

    /// Emit options with `eventTime` and the holds that are not nil, listed on the stack.
    private func withOptions(eventTime: Int64, holds first: Hold?, _ second: Hold?,
                             _ emit: (UnsafePointer<sluice_emit_options>) -> Int32) -> Bool
    {
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
                return emit(&options) == 0
            }
        }
    }
}
