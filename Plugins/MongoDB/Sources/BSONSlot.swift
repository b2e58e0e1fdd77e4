import CMongoc
import SluiceSDK

/// A heap `bson_t` reused across calls. Swift sees `bson_t` as opaque (its
/// 128-byte alignment does not import), so the slot is raw memory of the
/// size and alignment libbson declares: `{uint32 flags; uint32 len; uint8 padding[120]}`.
final class BSONSlot {
    private let raw = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
    var pointer: OpaquePointer { OpaquePointer(raw) }
    private var initialized = false

    /// Points the slot at `bytes` without copying (valid while they are).
    func view(_ bytes: UnsafeRawBufferPointer) -> OpaquePointer {
        release()
        bson_init_static(pointer, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
        initialized = true
        return pointer
    }

    /// For an out-parameter libmongoc initialises itself (replies).
    func forReply() -> OpaquePointer {
        release()
        bson_init(pointer)
        initialized = true
        return pointer
    }

    /// The slot's current document as a view.
    var document: BSONDocument {
        BSONDocument(UnsafeRawBufferPointer(start: bson_get_data(pointer), count: Int(raw.load(fromByteOffset: 4, as: UInt32.self))))
    }

    func release() {
        if initialized { bson_destroy(pointer) }
        initialized = false
    }

    deinit {
        release()
        raw.deallocate()
    }
}

extension bson_error_t {
    var text: String {
        var copy = self
        return withUnsafeBytes(of: &copy.message) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
    }
}
