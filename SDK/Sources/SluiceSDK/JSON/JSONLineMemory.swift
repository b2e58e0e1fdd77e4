/// What one JSON line leaves for the next, when lines mostly share a shape
/// (NDJSON): the object keys read, in order, and the day of the last UTC
/// date. The next line compares its keys with them instead of scanning
/// each and copies the remembered BSON name on a match; a date on the
/// same day reads only its time of day. Results are the same with or
/// without it; a line that differs only costs the comparison.
///
/// One per reader (e.g. a file source), used by one thread at a time.
public final class JSONLineMemory {
    /// Raw memory, not stored `var`s: the transcoder reads and writes it
    /// through the pointer, without an exclusivity check per access.
    let state: UnsafeMutablePointer<State>

    struct State {
        /// Entries, in the order the keys came: a byte `n` (the key's length
        /// + 2), then the key's bytes, a quote and a colon. The input is
        /// compared with the n bytes from the key on (key, quote, colon) and
        /// copied to the output as it is, the quote becoming the name's NUL.
        /// A 0 byte follows the last entry: the readers test the length byte
        /// they load anyway, not the cursor against a count.
        let keys: UnsafeMutableRawPointer
        var day = UTCDayMemo()
    }

    /// Room for the entries, plus slack so an entry is always read 16 bytes at a time.
    static let keyCapacity = 2048
    static let slack = 16

    public init() {
        let keys = UnsafeMutableRawPointer.allocate(byteCount: Self.keyCapacity + Self.slack, alignment: 8)
        keys.initializeMemory(as: UInt8.self, repeating: 0, count: Self.keyCapacity + Self.slack)
        state = .allocate(capacity: 1)
        state.initialize(to: State(keys: keys))
    }

    deinit {
        state.pointee.keys.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }
}
