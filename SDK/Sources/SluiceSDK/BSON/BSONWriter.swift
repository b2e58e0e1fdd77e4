/// Builds BSON documents into a growable byte buffer.
///
/// Reuse one writer across records (`reset()` keeps the capacity) to avoid
/// allocating per record on hot paths.
public struct BSONWriter {
    /// The bytes written so far. After `finish()`, one complete document.
    public private(set) var bytes: [UInt8] = []
    private var openDocuments: [Int] = []
    /// Next index for elements of each open array (parallel to openDocuments; -1 for documents).
    private var arrayCounters: [Int] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
        startDocument()
    }

    /// Clears the buffer, keeping its capacity, and opens a new top-level document.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        openDocuments.removeAll(keepingCapacity: true)
        arrayCounters.removeAll(keepingCapacity: true)
        startDocument()
    }

    private mutating func startDocument(array: Bool = false) {
        openDocuments.append(bytes.count)
        arrayCounters.append(array ? 0 : -1)
        appendLE(Int32(0))
    }

    /// Closes the top-level document and returns its bytes.
    @discardableResult
    public mutating func finish() -> [UInt8] {
        precondition(openDocuments.count == 1, "BSONWriter.finish with \(openDocuments.count - 1) nested document(s) open")
        closeDocument()
        return bytes
    }

    private mutating func closeDocument() {
        let start = openDocuments.removeLast()
        arrayCounters.removeLast()
        bytes.append(0)
        let length = Int32(bytes.count - start).littleEndian
        withUnsafeBytes(of: length) { l in
            for i in 0 ..< 4 { bytes[start + i] = l[i] }
        }
    }

    /// Writes type and key; inside an array the key is the next index and `key` is ignored.
    @inline(__always)
    private mutating func header(_ type: BSONType, _ key: String) {
        var key = key
        key.withUTF8 { header(type, keyBytes: UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    mutating func header(_ type: BSONType, keyBytes: UnsafeRawBufferPointer) {
        bytes.append(type.rawValue)
        if let index = arrayCounters.last, index >= 0 {
            arrayCounters[arrayCounters.count - 1] = index + 1
            appendDecimal(index)
        } else {
            bytes.appendBytes(keyBytes)
        }
        bytes.append(0)
    }

    /// Type, key and the first `valueSize` (at most 16) bytes of the value,
    /// which `value` stores, in one append: appended piece by piece, each
    /// piece paid the array's uniqueness and capacity checks (a tenth of
    /// what a record cost to generate).
    @inline(__always)
    mutating func element(_ type: BSONType, keyBytes: UnsafeRawBufferPointer, valueSize: Int,
                          _ value: (UnsafeMutableRawPointer) -> Void) {
        let inArray = (arrayCounters.last ?? -1) >= 0
        let keyCount = keyBytes.count
        withUnsafeTemporaryAllocation(byteCount: Self.shortKey + 18, alignment: 8) { t in
            let base = t.baseAddress!
            guard !inArray, keyCount <= Self.shortKey else {
                header(type, keyBytes: keyBytes)
                value(base)
                return bytes.appendBytes(UnsafeRawBufferPointer(start: base, count: valueSize))
            }
            base.storeBytes(of: type.rawValue, as: UInt8.self)
            if keyCount > 0 { (base + 1).copyMemory(from: keyBytes.baseAddress!, byteCount: keyCount) }
            base.storeBytes(of: 0, toByteOffset: 1 + keyCount, as: UInt8.self)
            value(base + 2 + keyCount)
            bytes.appendBytes(UnsafeRawBufferPointer(start: base, count: 2 + keyCount + valueSize))
        }
    }

    /// Keys up to this long go through `element`'s one append.
    static var shortKey: Int { 62 }

    @inline(__always)
    mutating func element<T: FixedWidthInteger>(_ type: BSONType, keyBytes: UnsafeRawBufferPointer, _ v: T) {
        element(type, keyBytes: keyBytes, valueSize: MemoryLayout<T>.size) { $0.storeBytes(of: v.littleEndian, as: T.self) }
    }

    @inline(__always)
    mutating func element<T: FixedWidthInteger>(_ type: BSONType, _ key: String, _ v: T) {
        var key = key
        key.withUTF8 { element(type, keyBytes: UnsafeRawBufferPointer($0), v) }
    }

    /// A string element: its header and length in one append, then the bytes and the NUL.
    @inline(__always)
    mutating func stringElement(keyBytes: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) {
        element(.string, keyBytes: keyBytes, Int32(v.count + 1))
        bytes.appendBytes(v)
        bytes.append(0)
    }

    /// Appends the elements of a whole BSON document (its bytes between the
    /// length and the final NUL) to the open document, which is not an array.
    mutating func appendElements(of document: UnsafeRawBufferPointer) {
        bytes.appendBytes(UnsafeRawBufferPointer(rebasing: document[4 ..< document.count - 1]))
    }

    private mutating func appendDecimal(_ n: Int) {
        if n >= 10 { appendDecimal(n / 10) }
        bytes.append(UInt8(48 + n % 10))
    }

    @inline(__always)
    private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.appendBytes($0) }
    }

    public mutating func append(_ key: String, double v: Double) {
        element(.double, key, v.bitPattern)
    }

    public mutating func append(_ key: String, string v: String) {
        var v = v
        v.withUTF8 { append(key, stringBytes: UnsafeRawBufferPointer($0)) }
    }

    public mutating func append(_ key: String, stringBytes v: UnsafeRawBufferPointer) {
        var key = key
        key.withUTF8 { stringElement(keyBytes: UnsafeRawBufferPointer($0), v) }
    }

    public mutating func append(_ key: String, int32 v: Int32) {
        element(.int32, key, v)
    }

    public mutating func append(_ key: String, int64 v: Int64) {
        element(.int64, key, v)
    }

    public mutating func append(_ key: String, bool v: Bool) {
        header(.bool, key)
        bytes.append(v ? 1 : 0)
    }

    /// A UTC datetime, in milliseconds since the Unix epoch.
    public mutating func append(_ key: String, datetime ms: Int64) {
        element(.datetime, key, ms)
    }

    public mutating func appendNull(_ key: String) {
        header(.null, key)
    }

    public mutating func append(_ key: String, objectId: [UInt8]) {
        precondition(objectId.count == 12, "an ObjectId has 12 bytes")
        header(.objectId, key)
        bytes.append(contentsOf: objectId)
    }

    public mutating func append(_ key: String, binary: [UInt8], subtype: UInt8 = 0) {
        header(.binary, key)
        appendLE(Int32(binary.count))
        bytes.append(subtype)
        bytes.append(contentsOf: binary)
    }

    /// Copies an element from another document, under its own key or a new one.
    public mutating func append(_ element: BSONElement, as key: String? = nil) {
        if let key {
            header(element.type, key)
        } else {
            header(element.type, element.key)
        }
        bytes.appendBytes(element.valueBytes)
    }

    /// Appends a whole document as an embedded document.
    public mutating func append(_ key: String, document: BSONDocument) {
        header(.document, key)
        bytes.appendBytes(document.bytes)
    }

    /// Writes an embedded document whose fields `body` appends.
    public mutating func appendDocument(_ key: String, _ body: (inout BSONWriter) -> Void) {
        header(.document, key)
        startDocument()
        body(&self)
        closeDocument()
    }

    /// Writes an array whose elements `body` appends (keys passed inside are ignored).
    public mutating func appendArray(_ key: String, _ body: (inout BSONWriter) -> Void) {
        header(.array, key)
        startDocument(array: true)
        body(&self)
        closeDocument()
    }
}
