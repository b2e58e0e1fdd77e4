import SluiceSDK

/// BSON decimal128 (IEEE 754-2008, binary integer decimal) read as a number,
/// so numeric keywords apply to it rather than pass it unchecked.
enum Decimal128 {
    /// The value of the 16 little-endian bytes: exact as an integer when it
    /// is a whole number within 128 bits, else the nearest double; nil for NaN
    /// and infinities (no JSON number).
    static func number(_ bytes: UnsafeRawBufferPointer) -> ExactNumber? {
        guard bytes.count == 16 else { return nil }
        let low = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        let high = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
        let negative = high >> 63 == 1
        if (high >> 58) & 0x1F >= 0x1E { return nil }
        let exponent: Int
        let coefficient: UInt128
        if (high >> 61) & 3 == 3 {
            // The second encoding only holds coefficients above 10^34 - 1: non-canonical, read as zero.
            exponent = Int((high >> 47) & 0x3FFF) - 6176
            coefficient = 0
        } else {
            exponent = Int((high >> 49) & 0x3FFF) - 6176
            coefficient = UInt128(high & 0x1_FFFF_FFFF_FFFF) << 64 | UInt128(low)
        }
        // A whole number is exact, within 128 bits: 12.0 (120 × 10^-1) is the integer 12.
        var whole = coefficient, scale = exponent
        while scale < 0, whole != 0, whole % 10 == 0 { whole /= 10; scale += 1 }
        if whole == 0 { return .int(0) }
        if scale >= 0, scale <= 38, whole <= UInt128(Int128.max) {
            var value = Int128(whole)
            var exact = true
            for _ in 0 ..< scale {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { exact = false; break }
                value = next
            }
            if exact { return ExactNumber(negative ? -value : value) }
        }
        guard let d = Double("\(negative ? "-" : "")\(coefficient)e\(exponent)") else { return nil }
        return .double(d)
    }
}
