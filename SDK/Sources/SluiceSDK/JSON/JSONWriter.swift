/// Writes JSON text, from `JSONValue`s or straight from BSON.
///
/// BSON types JSON lacks are written as MongoDB relaxed Extended JSON
/// (`{"$date": "…"}`, `{"$oid": "…"}`), which `BSONFromJSON` reads back, so
/// a record survives a trip through a JSON file unchanged.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Write ObjectIds as hex strings and dates as `dates` says (ISO 8601
    /// unless set to epoch milliseconds), for consumers that do not read
    /// Extended JSON (Elasticsearch, Logstash, other Kafka consumers).
    public var plainTypes = false
    /// How BSON dates are written when `plainTypes` is set.
    public var dates = Dates.iso8601
    /// Room `JSONText` writes a document into before it is appended to `bytes`.
    private var scratch: [UInt8] = []

    /// How BSON dates come out in JSON.
    public enum Dates: String, Sendable, CaseIterable {
        /// `"2015-05-26T09:00:00.000Z"`.
        case iso8601
        /// `1432630800000`: milliseconds since the Unix epoch.
        case epochMillis = "epoch_ms"
    }

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    /// Appends text as is (for line-oriented formats built on this buffer).
    public mutating func appendRaw(_ s: String) { raw(s) }

    /// Appends bytes as is (JSON another writer produced).
    public mutating func append(bytes: some Sequence<UInt8>) { self.bytes.append(contentsOf: bytes) }

    /// Ends a JSON-lines record.
    public mutating func newline() { bytes.append(0x0A) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Serialises a value as compact JSON.
    public static func string(_ value: JSONValue) -> String {
        var w = JSONWriter()
        w.write(value)
        return w.string
    }

    /// Serialises a BSON document as compact (relaxed extended) JSON.
    public static func string(_ document: BSONDocument) -> String {
        var w = JSONWriter()
        w.write(document)
        return w.string
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: literal("null")
        case let .bool(b): literal(b ? "true" : "false")
        case let .int(i): writeInteger(i)
        case let .double(d): writeDouble(d)
        case let .string(s): writeString(s)
        case let .array(items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case let .object(o):
            bytes.append(UInt8(ascii: "{"))
            for (i, m) in o.members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(m.key)
                bytes.append(UInt8(ascii: ":"))
                write(m.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Writes a document; `leading` members come first (e.g. an added `@timestamp`).
    public mutating func write(_ document: BSONDocument, asArray: Bool = false, leading: [(String, String)] = []) {
        if leading.isEmpty, writeCommon(document, asArray: asArray) { return }
        bytes.append(UInt8(ascii: asArray ? "[" : "{"))
        var first = true
        for (key, value) in leading {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            writeString(key)
            bytes.append(UInt8(ascii: ":"))
            writeString(value)
        }
        for e in document.elements {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            if !asArray {
                writeString(e.keyBytes)
                bytes.append(UInt8(ascii: ":"))
            }
            write(e)
        }
        bytes.append(UInt8(ascii: asArray ? "]" : "}"))
    }

    /// The document through `JSONText` into `scratch`, then one append; false
    /// (nothing appended) when it holds a type `JSONText` leaves to `write(_:)`.
    private mutating func writeCommon(_ document: BSONDocument, asArray: Bool) -> Bool {
        // Room for the usual worst case: every byte a `\u00XX` escape; a document needing more is written the general way.
        let room = JSONText.reservation(forLength: document.bytes.count)
        if scratch.count < room { scratch = [UInt8](repeating: 0, count: max(room, 4096)) }
        let (plainTypes, dates) = (plainTypes, dates)
        return scratch.withUnsafeMutableBufferPointer { buffer in
            var text = JSONText(into: buffer, plainTypes: plainTypes, dates: dates)
            guard text.document(document, asArray: asArray) else { return false }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<text.written(from: buffer.baseAddress!)]))
            return true
        }
    }

    public mutating func write(_ e: BSONElement) {
        switch e.type {
        case .double: writeDouble(e.double!)
        case .string, .symbol, .javascript: writeString(e.stringBytes!)
        case .document: write(e.document!)
        case .array: write(e.document!, asArray: true)
        case .bool: literal(e.bool! ? "true" : "false")
        case .int32: writeInteger(Int64(e.int32!))
        case .int64: writeInteger(e.int64!)
        case .null, .undefined: literal("null")
        case .datetime:
            if plainTypes, dates == .epochMillis { return writeInteger(e.datetime!) }
            literal(plainTypes ? "\"" : "{\"$date\":\"")
            ISO8601.append(milliseconds: e.datetime!, to: &bytes)
            literal(plainTypes ? "\"" : "\"}")
        case .objectId:
            literal(plainTypes ? "\"" : "{\"$oid\":\"")
            raw(hex(e.objectIdBytes!))
            literal(plainTypes ? "\"" : "\"}")
        case .binary:
            let (subtype, data) = e.binary!
            raw("{\"$binary\":{\"base64\":\"")
            raw(Base64.encode(data))
            raw("\",\"subType\":\"")
            raw(String(subtype, radix: 16))
            raw("\"}}")
        case .timestamp:
            let v = e.valueBytes.loadLE(UInt64.self, at: 0)
            raw("{\"$timestamp\":{\"t\":\(v >> 32),\"i\":\(v & 0xFFFF_FFFF)}}")
        case .regex:
            let parts = e.valueBytes.split(separator: 0, omittingEmptySubsequences: false).map { Array($0) }
            raw("{\"$regularExpression\":{\"pattern\":")
            writeString(String(decoding: parts[0], as: UTF8.self))
            raw(",\"options\":")
            writeString(String(decoding: parts.count > 1 ? parts[1] : [], as: UTF8.self))
            raw("}}")
        case .decimal128:
            // A whole number (what the transcoder makes of an integer literal beyond 64 bits) is written as its exact digits.
            if let digits = Self.integerText(decimal128: e.valueBytes) { return raw(digits) }
            raw("{\"$numberDecimalBytes\":\"")
            raw(hex(e.valueBytes))
            raw("\"}")
        case .minKey: raw("{\"$minKey\":1}")
        case .maxKey: raw("{\"$maxKey\":1}")
        // A checked document holds neither (`BSONDocument.isWellFormed`).
        case .dbPointer, .javascriptWithScope: raw("null")
        }
    }

    private mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Text known at compile time: copied without a `String`.
    @inline(__always)
    private mutating func literal(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Decimal digits straight into the buffer (`String(v)` allocated per number).
    private mutating func writeInteger(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = v.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: 48 &+ magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i...]))
        }
    }

    private mutating func writeDouble(_ d: Double) {
        guard d.isFinite else { return literal("null") }
        if d.rounded() == d, abs(d) < 1e15 {
            // Int64 has no negative zero; relaxed Extended JSON writes -0.0.
            if d == 0, d.sign == .minus { bytes.append(UInt8(ascii: "-")) }
            writeInteger(Int64(d))
            literal(".0")
        } else {
            DoubleText.append(d, to: &bytes)
        }
    }

    public mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { writeString(UnsafeRawBufferPointer($0)) }
    }

    public mutating func writeString(_ s: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        guard let base = s.baseAddress else { return bytes.append(UInt8(ascii: "\"")) }
        let n = s.count
        var runStart = 0
        var i = 0
        while true {
            i = StringScan.plainEnd(s, from: i)
            guard i < n else { break }
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            // Copy the clean run before the character that needs escaping in one go.
            if i > runStart { bytes.appendBytes(UnsafeRawBufferPointer(rebasing: s[runStart ..< i])) }
            runStart = i + 1
            i += 1
            switch c {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            default:
                literal("\\u00")
                bytes.append(Self.hexDigit(c >> 4))
                bytes.append(Self.hexDigit(c & 15))
            }
        }
        if n > runStart { bytes.appendBytes(UnsafeRawBufferPointer(rebasing: s[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The digits of a decimal128 that is a whole number (a canonical
    /// coefficient with a non-negative exponent), else nil.
    static func integerText(decimal128 v: UnsafeRawBufferPointer) -> String? {
        let low = v.loadLE(UInt64.self, at: 0), high = v.loadLE(UInt64.self, at: 8)
        // 11 in the two bits after the sign: infinity, NaN or the large-coefficient form (non-canonical).
        guard (high >> 61) & 3 != 3 else { return nil }
        let exponent = Int((high >> 49) & 0x3FFF) - 6176
        guard exponent >= 0 else { return nil }
        let coefficient = UInt128(high & 0x1_FFFF_FFFF_FFFF) << 64 | UInt128(low)
        if coefficient == 0 { return "0" }
        return (high >> 63 == 1 ? "-" : "") + String(coefficient) + String(repeating: "0", count: exponent)
    }

    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }

    private func hex(_ b: UnsafeRawBufferPointer) -> String {
        String(decoding: b.flatMap { [Self.hexDigit($0 >> 4), Self.hexDigit($0 & 15)] }, as: UTF8.self)
    }
}
