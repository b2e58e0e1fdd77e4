#if canImport(Glibc)
import Glibc
#endif

/// A growable byte buffer over raw memory: a stack buffer handed in, moved to
/// the heap when it fills. Each write checks the capacity once and copies;
/// no uniqueness or generic `append(contentsOf:)` checks as `[UInt8]` pays.
///
/// Owned by one call (`JSONTranscoder.withDocument`), which frees it with `release()`.
/// Counts and sizes are bounded by memory (a document being built), so the
/// per-write arithmetic wraps instead of testing for overflow.
struct ScratchBytes {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int
    private var onHeap = false

    init(_ stack: UnsafeMutableRawBufferPointer) {
        base = stack.baseAddress!
        capacity = stack.count
    }

    /// Frees the heap memory, if it grew there.
    func release() {
        if onHeap { free(base) }
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Makes room for `n` more bytes.
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if count &+ n > capacity { grow(n) }
    }

    @inline(never)
    private mutating func grow(_ n: Int) {
        let wanted = max(capacity * 2, count + n)
        let grown = malloc(wanted)!
        memcpy(grown, base, count)
        if onHeap { free(base) }
        base = grown
        capacity = wanted
        onHeap = true
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    @inline(__always)
    mutating func append<T: FixedWidthInteger>(littleEndian v: T) {
        reserve(MemoryLayout<T>.size)
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: T.self)
        count &+= MemoryLayout<T>.size
    }

    @inline(__always)
    mutating func append(_ raw: UnsafeRawBufferPointer) {
        let n = raw.count
        guard n > 0 else { return }
        reserve(n)
        memcpy(base + count, raw.baseAddress!, n)
        count += n
    }

    /// Appends `n` bytes of `src` from `from` (a range of the input being read).
    @inline(__always)
    mutating func append(_ src: UnsafeRawPointer, _ from: Int, _ to: Int) {
        let n = to - from
        guard n > 0 else { return }
        reserve(n)
        memcpy(base + count, src + from, n)
        count += n
    }

    /// Where the next byte goes, for writes into room `reserve` made, then counted with `advance`.
    var end: UnsafeMutableRawPointer { base + count }

    /// Counts `n` bytes written at `end`.
    @inline(__always)
    mutating func advance(_ n: Int) { count &+= n }

    /// Where the room `reserve` made ends.
    var limit: UnsafeMutableRawPointer { base + capacity }

    /// Counts the bytes written from `end` up to `to` (within `limit`).
    @inline(__always)
    mutating func advance(to: UnsafeMutableRawPointer) { count = base.distance(to: to) }

    /// Overwrites a byte written before.
    @inline(__always)
    func set(_ byte: UInt8, at i: Int) { base.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }

    /// Overwrites the little-endian Int32 at `i`, written before.
    @inline(__always)
    func set(int32 v: Int32, at i: Int) { base.storeBytes(of: v.littleEndian, toByteOffset: i, as: Int32.self) }

    /// Drops everything from `i` on.
    @inline(__always)
    mutating func truncate(to i: Int) { count = i }

    /// Appends the decimal digits of `n` (an array index, ≥ 0).
    mutating func appendDecimal(_ n: Int) {
        var digits = 1
        var rest = n / 10
        while rest > 0 { digits += 1; rest /= 10 }
        reserve(digits)
        var v = n
        for i in stride(from: count + digits - 1, through: count, by: -1) {
            base.storeBytes(of: UInt8(48 + v % 10), toByteOffset: i, as: UInt8.self)
            v /= 10
        }
        count += digits
    }
}
