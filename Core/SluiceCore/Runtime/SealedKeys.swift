/// The key bytes of a sealed `RecordBuffer`, copied once to memory of their
/// own: the `key` pointers in its metadata stay valid for as long as any
/// buffer sharing them lives (an array's storage has no such promise).
/// Immutable after `init`.
final class SealedKeys {
    let bytes: UnsafeMutablePointer<UInt8>

    init(_ keys: [UInt8]) {
        bytes = .allocate(capacity: keys.count)
        keys.withUnsafeBufferPointer { bytes.initialize(from: $0.baseAddress!, count: keys.count) }
    }

    deinit {
        bytes.deallocate()
    }
}
