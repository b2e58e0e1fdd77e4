import CSluicePlugin

/// A field of a document the host assembles (`Output.emit(_:_:eventTime:holds:_:)`, ABI 1.6).
public struct DocumentPart {
    let part: sluice_document_part

    /// `name` (NUL-terminated, valid until the emit returns) set to
    /// `document`, or to null when nil. `document` must be a record's
    /// document as the host handed it to this plugin, or an unchanged copy:
    /// the host checks only its length prefix and final NUL, not its elements.
    public init(name: UnsafePointer<CChar>, document: UnsafeRawBufferPointer?) {
        part = sluice_document_part(name: name, document: document?.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                    length: document?.count ?? 0)
    }
}
