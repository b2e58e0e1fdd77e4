#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Finding where a JSON string's plain run ends (a quote, a backslash or a
/// control character), eight bytes at a time: the parser and the writer
/// spend most of their time in strings.
enum StringScan {
    /// Whether any of eight bytes is below 0x20, a quote or a backslash: never
    /// false when one is (the caller then looks at the bytes one by one).
    @inline(__always)
    static func mayStop(_ v: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below = (v &- ones &* 0x20) & ~v & highs
        let quote = v ^ (ones &* 0x22), backslash = v ^ (ones &* 0x5C)
        return (below | ((quote &- ones) & ~quote & highs) | ((backslash &- ones) & ~backslash & highs)) != 0
    }

    @inline(__always)
    static func stops(_ c: UInt8) -> Bool { c < 0x20 || c == 0x22 || c == 0x5C }

    /// The index of the first byte from `i` that is below 0x20, a quote or a backslash; `b.count` if none.
    @inline(__always)
    static func plainEnd(_ b: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = b.baseAddress else { return b.count }
        let n = b.count
        var i = start
        while i + 8 <= n, !mayStop(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i += 8 }
        while i < n, !stops(base.load(fromByteOffset: i, as: UInt8.self)) { i += 1 }
        return i
    }
}

extension StringScan {
    /// The stop bytes of eight (`v` loaded little-endian): the high bit of each
    /// byte below 0x20, a quote, a backslash, or (with `ascii`) at or above
    /// 0x80. Borrows can flag bytes after the first stop, never before it,
    /// so the lowest flag is always exact.
    @inline(__always)
    static func stopMask(_ v: UInt64, ascii: Bool) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = v ^ (ones &* 0x22), backslash = v ^ (ones &* 0x5C)
        // The tests also flag some bytes at or above 0x80: `v`'s own high
        // bit flags them all in ASCII mode, and `& ~v` clears them otherwise.
        let low = (v &- ones &* 0x20) | (quote &- ones) | (backslash &- ones)
        return (ascii ? low | v : low & ~v) & 0x8080_8080_8080_8080
    }
}

#if arch(x86_64)
extension StringScan {
    /// The stop bytes among 16 (`stopMask`'s bytes), as bit i for byte i:
    /// one compare per kind of stop for all 16 (SSE2, on every x86-64),
    /// where the two words' borrow tests took about twice the instructions.
    @inline(__always)
    static func stopBits(_ v: __m128i, ascii: Bool) -> UInt32 {
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x22)), backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5C))
        // Signed, bytes at or above 0x80 are negative: below 0x20 flags them too,
        // as ASCII mode wants; otherwise v == min(v, 0x1F) flags the control bytes alone.
        let low = ascii ? _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)) : _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v)
        return UInt32(bitPattern: _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), low)))
    }
}
#endif
