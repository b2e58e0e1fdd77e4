import Foundation

/// The documents of a `RecordBuffer`, back to back in one allocation that
/// doubles when it runs out: an append is a capacity check and a `memcpy`.
/// `[UInt8].append(contentsOf:)` cost about 100 instructions per emitted
/// record (its uniqueness check and generic copy path), a fifth of an emit.
///
/// A class, so that the selections made from a buffer share its bytes.
///
/// `@unchecked Sendable`: one thread appends, before the buffer it belongs
/// to is dispatched (`RecordBuffer`); afterwards the bytes are only read.
/// The fields opt out of dynamic exclusivity checks for the same reason.
final class RecordBytes: @unchecked Sendable {
    @exclusivity(unchecked) private(set) var base: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private(set) var capacity = 0

    init() {}

    deinit { free(base) }

    /// Makes room for `bytes` more bytes.
    func reserve(_ bytes: Int) {
        if capacity - count < bytes { grow(to: count + bytes) }
    }

    /// Appends `length` bytes from `source`.
    @inline(__always)
    func append(_ source: UnsafeRawPointer?, length: Int) {
        guard length > 0, let source else { return }
        if capacity - count < length { grow(to: Swift.max(count + length, capacity * 2)) }
        (base.unsafelyUnwrapped + count).copyMemory(from: source, byteCount: length)
        count += length
    }

    /// Appends `length` bytes from `source` and a line feed after them.
    @inline(__always)
    func appendLine(_ source: UnsafeRawPointer, length: Int) {
        if capacity - count <= length { grow(to: Swift.max(count + length + 1, capacity * 2)) }
        let at = base.unsafelyUnwrapped + count
        at.copyMemory(from: source, byteCount: length)
        at.storeBytes(of: 0x0A, toByteOffset: length, as: UInt8.self)
        count += length + 1
    }

    /// The bytes at `offset ..< offset + length`, which the caller knows are in range.
    @inline(__always)
    func slice(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0 + offset) }, count: length)
    }

    private func grow(to size: Int) {
        guard let moved = realloc(base, size) else { fatalError("out of memory growing a batch to \(size) bytes") }
        base = moved
        capacity = size
    }
}
