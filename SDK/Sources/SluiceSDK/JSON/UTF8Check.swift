/// Whether bytes need UTF-8 repair before they become BSON strings.
public enum UTF8Check {
    /// True when every byte is below 0x80 (then the bytes are valid UTF-8 as
    /// they are); checked eight bytes at a time.
    public static func isASCII(_ b: UnsafeRawBufferPointer) -> Bool {
        guard let base = b.baseAddress else { return true }
        var i = 0
        var high: UInt64 = 0
        while i + 8 <= b.count {
            high |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < b.count {
            high |= UInt64(base.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}
