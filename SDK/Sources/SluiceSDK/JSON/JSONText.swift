#if canImport(Glibc)
import Glibc
#endif

/// BSON to JSON text for the common types (numbers, strings, booleans,
/// null, dates, ObjectIds, documents and arrays), read straight from the
/// document's bytes and stored through a pointer into room the caller
/// provides: appending each piece to an array paid the array's uniqueness
/// and capacity checks, and walking `BSONElement`s paid a `strlen` per key
/// that the key's escaping scan already does. (The checked path, for room
/// not reserved for the whole document, still measures each key once for
/// its room check; `reservedMembers`, the usual path, does not.)
///
/// Writes exactly what `JSONWriter.write(_:)` writes. Returns false, having
/// written a part, when the room runs out or an element has another type;
/// the caller then writes the document the general way.
struct JSONText {
    var p: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>
    let plainTypes: Bool
    let dates: JSONWriter.Dates
    /// Just past the outermost document: strings are read eight bytes at a
    /// time (a word may run past a string into the bytes after it, never past this).
    var limit: UnsafeRawPointer
    /// The writer's memory of the documents before (`JSONLines`), or nil.
    let memo: UnsafeMutablePointer<JSONTextMemo>?

    /// Whether the room holds `reservation(forLength:)` of the document: then
    /// the top-level members are written without checking the room as they go.
    private let reserved: Bool

    /// With `reservedFor`, the document about to be written, the room is checked
    /// once here (against `JSONText.reservation(forLength:)`) instead of at each piece.
    init(into room: UnsafeMutableBufferPointer<UInt8>, plainTypes: Bool, dates: JSONWriter.Dates,
         memo: UnsafeMutablePointer<JSONTextMemo>? = nil, reservedFor document: BSONDocument? = nil)
    {
        self.memo = memo
        p = room.baseAddress!
        end = room.baseAddress! + room.count
        limit = UnsafeRawPointer(room.baseAddress!)
        self.plainTypes = plainTypes
        self.dates = dates
        reserved = document.map { room.count >= Self.reservation(forLength: $0.bytes.count) } ?? false
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

    /// `d` (a well-formed document, as every document a plugin sees is) as a JSON object or array.
    mutating func document(_ d: BSONDocument, asArray: Bool) -> Bool {
        guard let base = d.bytes.baseAddress, d.bytes.count >= 5 else { return false }
        limit = base + d.bytes.count
        // The memo's keys only in reserved room: the room is not checked as they are copied.
        if !asArray, reserved, let memo { return reservedMembers(base, length: d.bytes.count, memo: memo) }
        return members(base, length: d.bytes.count, asArray: asArray)
    }

    /// When the key at `key` is the one the memo's `bytes` hold in the slot at
    /// `slot`: writes its text at `p` (in reserved room: up to fifteen bytes are
    /// stored past it), moves `p` past it and `slot` to the next slot and returns
    /// where the value starts; otherwise nil, having written nothing.
    @inline(__always)
    static func rememberedKey(_ key: UnsafeRawPointer, slot: inout Int, memo bytes: UnsafeMutablePointer<UInt8>, limit: UnsafeRawPointer,
                              out p: inout UnsafeMutablePointer<UInt8>) -> UnsafeRawPointer?
    {
        let m = UnsafeRawPointer(bytes + slot)
        let keyLength = Int(UInt32(littleEndian: m.loadUnaligned(as: UInt32.self)))
        let textLength = Int(UInt32(littleEndian: m.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        let remembered = m + JSONTextMemo.header
        // The remembered key ends in its NUL: equal bytes mean the key ends in the same place.
        guard keyLength <= key.distance(to: limit) else { return nil }
        if keyLength <= 16, 16 <= key.distance(to: limit) {
            // Most keys: two words each side (the memo's padding covers its second), masked
            // to the key's bytes with the slot's masks (bytes, so in either byte order).
            let d0 = key.loadUnaligned(as: UInt64.self) ^ remembered.loadUnaligned(as: UInt64.self)
            let d1 = key.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ remembered.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let m0 = m.loadUnaligned(fromByteOffset: 8, as: UInt64.self), m1 = m.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            guard (d0 & m0) | (d1 & m1) == 0 else { return nil }
        } else {
            var i = 0
            while i &+ 8 <= keyLength {
                guard key.loadUnaligned(fromByteOffset: i, as: UInt64.self) == remembered.loadUnaligned(fromByteOffset: i, as: UInt64.self) else {
                    return nil
                }
                i &+= 8
            }
            let rest = keyLength &- i
            if rest > 0 {
                if i &+ 8 <= key.distance(to: limit) {
                    // The memo is padded, so its word may run past the key too.
                    let a = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let b = UInt64(littleEndian: remembered.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    guard (a ^ b) & ((1 &<< (UInt64(rest) &* 8)) &- 1) == 0 else { return nil }
                } else {
                    guard memcmp(key + i, remembered + i, rest) == 0 else { return nil }
                }
            }
        }
        // Two words, then whole words while the text lasts: up to fifteen bytes past
        // the text, inside the reserved room, and inside the memo's padding.
        let text = remembered + keyLength
        let out = UnsafeMutableRawPointer(p)
        out.storeBytes(of: text.loadUnaligned(as: UInt64.self), as: UInt64.self)
        out.storeBytes(of: text.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
        var j = 16
        while j < textLength {
            out.storeBytes(of: text.loadUnaligned(fromByteOffset: j, as: UInt64.self), toByteOffset: j, as: UInt64.self)
            j &+= 8
        }
        p += textLength
        slot &+= JSONTextMemo.header &+ keyLength &+ textLength
        return key + keyLength
    }

    mutating func members(_ b: UnsafeRawPointer, length: Int, asArray: Bool) -> Bool {
        guard room(2) else { return false }
        put(UInt8(ascii: asArray ? "[" : "{"))
        let last = b + length - 1
        var s = b + 4
        var first = true
        while s < last {
            let type = s.load(as: UInt8.self)
            guard room(2) else { return false }
            if !first { put(UInt8(ascii: ",")) }
            first = false
            if asArray {
                s += 2 + strlen((s + 1).assumingMemoryBound(to: CChar.self))
            } else {
                guard let valueStart = quoted(s + 1, end: nil), room(1) else { return false }
                put(UInt8(ascii: ":"))
                s = valueStart
            }
            guard let next = value(type, at: s) else { return false }
            s = next
        }
        guard room(1) else { return false }
        put(UInt8(ascii: asArray ? "]" : "}"))
        return true
    }

    /// Writes the value of type `type` at `s`; returns where the next element starts.
    @inline(__always)
    private mutating func value(_ type: UInt8, at s: UnsafeRawPointer) -> UnsafeRawPointer? {
        switch type {
        case 0x01:
            return double(Double(bitPattern: UInt64(littleEndian: s.loadUnaligned(as: UInt64.self)))) ? s + 8 : nil
        case 0x02, 0x0D, 0x0E: // string, javascript, symbol
            let n = Int(Int32(littleEndian: s.loadUnaligned(as: Int32.self)))
            guard n >= 1 else { return nil }
            return quoted(s + 4, end: s + 4 + n - 1)
        case 0x03, 0x04:
            let n = Int(Int32(littleEndian: s.loadUnaligned(as: Int32.self)))
            return members(s, length: n, asArray: type == 0x04) ? s + n : nil
        case 0x08:
            guard room(5) else { return nil }
            if s.load(as: UInt8.self) != 0 { put("true") } else { put("false") }
            return s + 1
        case 0x10:
            return integer(Int64(Int32(littleEndian: s.loadUnaligned(as: Int32.self)))) ? s + 4 : nil
        case 0x12:
            return integer(Int64(littleEndian: s.loadUnaligned(as: Int64.self))) ? s + 8 : nil
        case 0x0A, 0x06: // null, undefined
            guard room(4) else { return nil }
            put("null")
            return s
        case 0x09:
            return datetime(Int64(littleEndian: s.loadUnaligned(as: Int64.self))) ? s + 8 : nil
        case 0x07:
            return objectId(s) ? s + 12 : nil
        default: return nil
        }
    }

    private mutating func datetime(_ ms: Int64) -> Bool {
        if plainTypes, dates == .epochMillis { return integer(ms) }
        guard room(36), let next = Self.date(ms, plainTypes: plainTypes, memo: memo, at: p) else { return false }
        p = next
        return true
    }

    /// Writes the ISO 8601 date of `ms` (quoted, or as `{"$date":…}`; up to 36 bytes) at
    /// `out`, its day kept in `memo`; returns where it ends, nil for a year outside 0 … 9999.
    @inline(__always)
    static func date(_ ms: Int64, plainTypes: Bool, memo: UnsafeMutablePointer<JSONTextMemo>?,
                     at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8>?
    {
        var p = out
        if plainTypes {
            p.pointee = UInt8(ascii: "\"")
            p += 1
        } else {
            let open: StaticString = "{\"$date\":\""
            p.update(from: open.utf8Start, count: open.utf8CodeUnitCount)
            p += open.utf8CodeUnitCount
        }
        let written = if let memo { ISO8601.write(milliseconds: ms, into: p, day: &memo.pointee.day) } else { ISO8601.write(milliseconds: ms, into: p) }
        guard let n = written else { return nil }
        p += n
        p.pointee = UInt8(ascii: "\"")
        if plainTypes { return p + 1 }
        p[1] = UInt8(ascii: "}")
        return p + 2
    }

    mutating func objectId(_ s: UnsafeRawPointer) -> Bool {
        guard room(38) else { return false }
        if plainTypes { put(UInt8(ascii: "\"")) } else { put("{\"$oid\":\"") }
        for i in 0 ..< 12 {
            let c = s.load(fromByteOffset: i, as: UInt8.self)
            put(JSONWriter.hexDigit(c >> 4))
            put(JSONWriter.hexDigit(c & 15))
        }
        if plainTypes { put(UInt8(ascii: "\"")) } else { put("\"}") }
        return true
    }

    /// A quoted, escaped string from `start`: up to `end` (its terminating
    /// NUL; a NUL before it is escaped), or for a key (`end` nil) up to the
    /// first NUL; returns the position just past the terminating NUL. The
    /// room is checked once for the string's longest text (every byte a
    /// `\u00XX`, and the word the copy stores past its end), then the copy
    /// is the reserved path's.
    @inline(__always)
    private mutating func quoted(_ start: UnsafeRawPointer, end stringEnd: UnsafeRawPointer?) -> UnsafeRawPointer? {
        let length = stringEnd.map { start.distance(to: $0) } ?? strlen(start.assumingMemoryBound(to: CChar.self))
        guard room(length &* 6 &+ 10) else { return nil }
        return Self.quoted(start, end: stringEnd, limit: limit, out: &p)
    }

    /// The high bit of each byte of `v` (first byte lowest) that is below
    /// 0x20, a quote or a backslash. Borrows can also mark a byte after one
    /// of those, never before it, so the lowest mark is exact.
    @inline(__always)
    static func stops(in v: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = v ^ (ones &* 0x22), backslash = v ^ (ones &* 0x5C)
        let below = (v &- ones &* 0x20) & ~v
        return (below | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & (ones &* 0x80)
    }

    /// Writes the escape of `c` at `out`; returns how many bytes (two or six).
    /// Rare in data, so kept out of the copying loop.
    @inline(never)
    static func escape(_ c: UInt8, at out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = 0x5C
        switch c {
        case 0x22: out[1] = 0x22
        case 0x5C: out[1] = 0x5C
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0D: out[1] = UInt8(ascii: "r")
        case 0x09: out[1] = UInt8(ascii: "t")
        default:
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            out[4] = JSONWriter.hexDigit(c >> 4)
            out[5] = JSONWriter.hexDigit(c & 15)
            return 6
        }
        return 2
    }

    private mutating func integer(_ v: Int64) -> Bool {
        guard room(20) else { return false }
        p = Self.integer(v, at: p)
        return true
    }

    /// Writes `v` (up to 20 bytes) at `out`; returns where it ends.
    @inline(__always)
    static func integer(_ v: Int64, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        out.pointee = UInt8(ascii: "-")
        let digits = v < 0 ? out + 1 : out
        return digits + DecimalDigits.write(v.magnitude, into: digits)
    }

    /// As `JSONWriter.writeDouble`: whole numbers as "n.0" (-0.0 too, as relaxed Extended JSON keeps it), up
    /// to four decimals in fixed point, else `description`.
    @inline(__always)
    private mutating func double(_ d: Double) -> Bool {
        guard room(32) else { return false }
        if let n = DoubleText.writeShort(d, negative: d.sign == .minus, into: p) {
            p += n
            return true
        }
        return longDouble(d)
    }

    @inline(never)
    mutating func longDouble(_ d: Double) -> Bool {
        guard d.isFinite else {
            put("null")
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
