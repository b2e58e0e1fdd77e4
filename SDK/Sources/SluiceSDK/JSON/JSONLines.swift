/// JSON lines (one document per line) built in one buffer that grows and
/// is reused, each document written in place: `JSONWriter` writes a
/// document into scratch room and then appends it to its array, a second
/// copy and the array's uniqueness and capacity checks per record.
///
/// The text is exactly `JSONWriter.write(_:)` and a newline per document,
/// or the JSON text a record was read from (`appendLine(text:)`).
public struct JSONLines: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written since the last `reset()`.
    public private(set) var count = 0
    /// As `JSONWriter.plainTypes`.
    public var plainTypes = false
    /// As `JSONWriter.dates`.
    public var dates = JSONWriter.Dates.iso8601
    /// The last document's keys and day, for the next (behind a pointer for `JSONText`).
    private let memo: UnsafeMutablePointer<JSONTextMemo>

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
        memo = .allocate(capacity: 1)
        memo.initialize(to: JSONTextMemo())
    }

    deinit {
        base.deallocate()
        memo.deinitialize(count: 1)
        memo.deallocate()
    }

    /// Empties the buffer, keeping its memory.
    public mutating func reset() { count = 0 }

    /// Appends `document` as compact (relaxed extended) JSON and a newline.
    public mutating func appendLine(_ document: BSONDocument) {
        // The room any document's text fits in, asked for once per record, so that `JSONText`
        // need not check it as it goes; a document holding a type it leaves to `JSONWriter`
        // is written the general way.
        reserve(JSONText.reservation(forLength: document.bytes.count))
        let room = UnsafeMutableBufferPointer(start: base + count, count: capacity &- count)
        var text = JSONText(into: room, plainTypes: plainTypes, dates: dates, memo: memo, reservedFor: document)
        if text.document(document, asArray: false) {
            let n = text.written(from: room.baseAddress!)
            if n < room.count {
                room[n] = 0x0A
                count &+= n &+ 1
                return
            }
        }
        var general = JSONWriter()
        general.plainTypes = plainTypes
        general.dates = dates
        general.write(document)
        general.newline()
        general.bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Appends a JSON text as it is (a record's `Batch.jsonText`, which decodes to
    /// its document) and a newline; `plainTypes` and `dates` do not apply, as
    /// the text is not encoded here (a sink that sets them encodes instead).
    public mutating func appendLine(text: UnsafeRawBufferPointer) {
        reserve(text.count &+ 1)
        if let source = text.baseAddress { UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: text.count) }
        base[count &+ text.count] = 0x0A
        count &+= text.count &+ 1
    }

    /// The text written since the last `reset()`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        (base + count).update(from: bytes.baseAddress!, count: bytes.count)
        count += bytes.count
    }

    /// Makes room for `n` more bytes, doubling the buffer when it grows.
    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if capacity &- count < n { grow(count + n) }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }
}
