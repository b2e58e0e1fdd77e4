/// BSON to JSON text for the common types (numbers, strings, booleans,
/// null, dates, documents and arrays), stored byte by byte through a
/// pointer into room the caller provides: `JSONWriter` appended each piece
/// to its array, and each append paid the array's uniqueness and capacity
/// checks, most of what a record cost to write.
///
/// Writes exactly what `JSONWriter.write(_:)` writes. Returns false, having
/// written a part, when the room runs out or an element has another type;
/// the caller then writes the document the general way.
struct JSONText {
    private var p: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>
    private let plainTypes: Bool
    private let dates: JSONWriter.Dates

    init(into room: UnsafeMutableBufferPointer<UInt8>, plainTypes: Bool, dates: JSONWriter.Dates) {
        p = room.baseAddress!
        end = room.baseAddress! + room.count
        self.plainTypes = plainTypes
        self.dates = dates
    }

    /// Bytes written from the start of the room.
    func written(from start: UnsafeMutablePointer<UInt8>) -> Int { start.distance(to: p) }

    @inline(__always) private func room(_ n: Int) -> Bool { p.distance(to: end) >= n }

    @inline(__always) private mutating func put(_ c: UInt8) {
        p.pointee = c
        p += 1
    }

    @inline(__always) private mutating func put(_ s: StaticString) {
        p.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        p += s.utf8CodeUnitCount
    }

    mutating func document(_ d: BSONDocument, asArray: Bool) -> Bool {
        guard room(2) else { return false }
        put(UInt8(ascii: asArray ? "[" : "{"))
        var first = true
        for e in d.elements {
            if !first {
                guard room(1) else { return false }
                put(UInt8(ascii: ","))
            }
            first = false
            if !asArray {
                guard string(e.keyBytes), room(1) else { return false }
                put(UInt8(ascii: ":"))
            }
            guard value(e) else { return false }
        }
        guard room(1) else { return false }
        put(UInt8(ascii: asArray ? "]" : "}"))
        return true
    }

    private mutating func value(_ e: BSONElement) -> Bool {
        switch e.type {
        case .double: return double(e.double!)
        case .string, .symbol, .javascript: return string(e.stringBytes!)
        case .document: return document(e.document!, asArray: false)
        case .array: return document(e.document!, asArray: true)
        case .bool:
            guard room(5) else { return false }
            if e.bool! { put("true") } else { put("false") }
            return true
        case .int32: return integer(Int64(e.int32!))
        case .int64: return integer(e.int64!)
        case .null, .undefined:
            guard room(4) else { return false }
            put("null")
            return true
        case .datetime:
            let ms = e.datetime!
            if plainTypes, dates == .epochMillis { return integer(ms) }
            guard room(36) else { return false }
            let mark = p
            if plainTypes { put(UInt8(ascii: "\"")) } else { put("{\"$date\":\"") }
            guard let n = ISO8601.write(milliseconds: ms, into: p) else {
                p = mark
                return false
            }
            p += n
            if plainTypes { put(UInt8(ascii: "\"")) } else { put("\"}") }
            return true
        default: return false
        }
    }

    /// A quoted, escaped string: the room for the worst case (every byte `\u00XX`) is asked first.
    private mutating func string(_ s: UnsafeRawBufferPointer) -> Bool {
        guard room(s.count * 6 + 2) else { return false }
        put(UInt8(ascii: "\""))
        guard let base = s.baseAddress else {
            put(UInt8(ascii: "\""))
            return true
        }
        let n = s.count
        var runStart = 0
        var i = 0
        while true {
            i = StringScan.plainEnd(s, from: i)
            if i > runStart {
                p.update(from: (base + runStart).assumingMemoryBound(to: UInt8.self), count: i - runStart)
                p += i - runStart
            }
            guard i < n else { break }
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            i += 1
            runStart = i
            put(0x5C)
            switch c {
            case 0x22: put(0x22)
            case 0x5C: put(0x5C)
            case 0x0A: put(UInt8(ascii: "n"))
            case 0x0D: put(UInt8(ascii: "r"))
            case 0x09: put(UInt8(ascii: "t"))
            default:
                put("u00")
                put(JSONWriter.hexDigit(c >> 4))
                put(JSONWriter.hexDigit(c & 15))
            }
        }
        put(UInt8(ascii: "\""))
        return true
    }

    private mutating func integer(_ v: Int64) -> Bool {
        guard room(20) else { return false }
        if v < 0 { put(UInt8(ascii: "-")) }
        p += DecimalDigits.write(v.magnitude, into: p)
        return true
    }

    /// As `JSONWriter.writeDouble`: whole numbers as "n.0", up to four decimals in fixed point, else `description`.
    private mutating func double(_ d: Double) -> Bool {
        guard d.isFinite else {
            guard room(4) else { return false }
            put("null")
            return true
        }
        if d.rounded() == d, abs(d) < 1e15 {
            guard integer(Int64(d)), room(2) else { return false }
            put(".0")
            return true
        }
        guard room(32) else { return false }
        if let (digits, decimals) = DoubleText.shortDecimal(d) {
            p += DoubleText.writeFixed(digits, decimals: decimals, negative: d.sign == .minus, into: p)
            return true
        }
        var text = d.description
        return text.withUTF8 { t in
            guard room(t.count) else { return false }
            p.update(from: t.baseAddress!, count: t.count)
            p += t.count
            return true
        }
    }
}

/// Decimal digits of an unsigned integer, most significant first.
enum DecimalDigits {
    /// Writes `v` (up to 20 digits) at `out`; returns how many bytes.
    @inline(__always)
    static func write(_ v: UInt64, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var count = 1
        var rest = v / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        rest = v
        var i = count
        repeat {
            i -= 1
            out[i] = UInt8(truncatingIfNeeded: 48 &+ rest % 10)
            rest /= 10
        } while i > 0
        return count
    }
}
