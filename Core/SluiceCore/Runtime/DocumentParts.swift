import CSluicePlugin
import Foundation
import SluiceSDK

/// The document `emit_parts` (ABI 1.6) assembles: `{name: document | null, …}`.
///
/// Each part's document is one the host handed the plugin, so only its
/// framing is checked here; `BSONDocument.isWellFormed` over the whole
/// joined document was the largest single cost of a join's output.
enum DocumentParts {
    /// The assembled document's size, or nil when a name is NULL, a part's
    /// framing is wrong or the document would not fit a BSON length.
    static func size(of parts: UnsafeBufferPointer<sluice_document_part>) -> Int? {
        var size = 5
        for part in parts {
            guard let name = part.name else { return nil }
            size += 2 + strlen(name)
            if let document = part.document {
                guard isFramed(UnsafeRawBufferPointer(start: document, count: part.length)) else { return nil }
                size += part.length
            }
            guard size <= Int(Int32.max) else { return nil }
        }
        return size
    }

    /// A length prefix equal to the byte count and a NUL at the end: what
    /// a document handed out by the host has, checked before it was.
    private static func isFramed(_ document: UnsafeRawBufferPointer) -> Bool {
        document.count >= 5 && document.count <= Int(Int32.max) && Int(Int32(littleEndian: document.loadUnaligned(as: Int32.self))) == document.count
            && document[document.count - 1] == 0
    }

    /// Writes the document of `size(of: parts)` bytes at the start of `buffer`.
    static func write(_ parts: UnsafeBufferPointer<sluice_document_part>, size: Int, into buffer: UnsafeMutableRawPointer) {
        buffer.storeBytes(of: Int32(size).littleEndian, as: Int32.self)
        var at = 4
        for part in parts {
            buffer.storeBytes(of: part.document == nil ? BSONType.null.rawValue : BSONType.document.rawValue, toByteOffset: at, as: UInt8.self)
            let name = part.name!
            let nameSize = strlen(name) + 1
            (buffer + at + 1).copyMemory(from: name, byteCount: nameSize)
            at += 1 + nameSize
            if let document = part.document {
                (buffer + at).copyMemory(from: document, byteCount: part.length)
                at += part.length
            }
        }
        buffer.storeBytes(of: 0, toByteOffset: at, as: UInt8.self)
    }
}
