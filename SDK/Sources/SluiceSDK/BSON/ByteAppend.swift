extension Array where Element == UInt8 {
    /// Appends raw bytes with one `memcpy`. `append(contentsOf:)` given an
    /// `UnsafeRawBufferPointer` copies through its iterator a byte at a time.
    @inlinable @inline(__always)
    mutating func appendBytes(_ raw: UnsafeRawBufferPointer) {
        append(contentsOf: UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count))
    }
}
