/// The top-level members of a document written when the room was reserved
/// for the most its text can take (`JSONText.reservation(forLength:)`): no
/// check of the room per piece, and the write pointer kept in a local across
/// the members instead of stored back into `p` around each piece.
extension JSONText {
    /// Room that holds the JSON text of any document of `length` bytes, with
    /// the words the copies store past their end. Each BSON byte becomes at
    /// most six (a string byte's `\u00XX`); every other piece takes fewer
    /// than six per byte of its element (type byte, key's NUL and value: a
    /// number's ten or more bytes, at most 24 of `description`), and the
    /// constant covers the braces and a word or a number's scratch past the end.
    @inline(__always)
    static func reservation(forLength length: Int) -> Int { length &* 6 &+ 64 }

    /// A top-level object's members, in room of at least `reservation(forLength: length)`:
    /// each key compared with the one the memo holds at its place and, when
    /// equal, its text copied from there; a key that differs drops that slot and
    /// those after it, and the keys from there are remembered anew. The keys
    /// of nested objects take the slots after their parent's key, in document
    /// order, so a joined record's two sides are remembered too.
    mutating func reservedMembers(_ b: UnsafeRawPointer, length: Int, memo: UnsafeMutablePointer<JSONTextMemo>) -> Bool {
        var o = p
        // Where the next slot starts in the memo; `remembering` ends at the first key not kept;
        // `slots` is the memo's count, read again after each `remember`.
        var slot = 0, slots = memo.pointee.count
        var remembering = true
        guard reservedObject(b, length: length, memo: memo, out: &o, slot: &slot, slots: &slots, remembering: &remembering) else { return false }
        p = o
        return true
    }

    /// The object at `b` (`length` bytes), braces included, at `o`, which it
    /// moves past the text; nested objects through itself, in the same room
    /// and with the same slots.
    private mutating func reservedObject(_ b: UnsafeRawPointer, length: Int, memo: UnsafeMutablePointer<JSONTextMemo>,
                                         out o: inout UnsafeMutablePointer<UInt8>, slot: inout Int, slots: inout Int,
                                         remembering: inout Bool) -> Bool
    {
        let limit = self.limit
        o.pointee = UInt8(ascii: "{")
        o += 1
        let first = b + 4, last = b + length - 1
        var s = first
        while s < last {
            let type = s.load(as: UInt8.self)
            if s != first {
                o.pointee = UInt8(ascii: ",")
                o += 1
            }
            let key = s + 1
            if remembering, slot < slots,
               let valueStart = Self.rememberedKey(key, slot: &slot, memo: memo.pointee.bytes, limit: limit, out: &o)
            {
                s = valueStart
            } else {
                s = Self.newKey(key, slot: &slot, slots: &slots, remembering: &remembering, memo: memo, limit: limit, out: &o)
            }
            switch type {
            case 0x01:
                let d = Double(bitPattern: UInt64(littleEndian: s.loadUnaligned(as: UInt64.self)))
                if let n = DoubleText.writeShort(d, negative: d.sign == .minus, into: o) {
                    o += n
                } else {
                    p = o
                    guard longDouble(d) else { return false }
                    o = p
                }
                s += 8
            case 0x02, 0x0D, 0x0E: // string, javascript, symbol
                let n = Int(Int32(littleEndian: s.loadUnaligned(as: Int32.self)))
                guard n >= 1 else { return false }
                s = Self.quoted(s + 4, end: s + 4 + n - 1, limit: limit, out: &o)
            case 0x10:
                o = Self.integer(Int64(Int32(littleEndian: s.loadUnaligned(as: Int32.self))), at: o)
                s += 4
            case 0x12:
                o = Self.integer(Int64(littleEndian: s.loadUnaligned(as: Int64.self)), at: o)
                s += 8
            case 0x09:
                let ms = Int64(littleEndian: s.loadUnaligned(as: Int64.self))
                if plainTypes, dates == .epochMillis {
                    o = Self.integer(ms, at: o)
                } else {
                    guard let next = Self.date(ms, plainTypes: plainTypes, memo: memo, at: o) else { return false }
                    o = next
                }
                s += 8
            case 0x08:
                if s.load(as: UInt8.self) != 0 {
                    UnsafeMutableRawPointer(o).storeBytes(of: Self.trueWord, as: UInt32.self)
                    o += 4
                } else {
                    UnsafeMutableRawPointer(o).storeBytes(of: Self.falseWord, as: UInt64.self)
                    o += 5
                }
                s += 1
            case 0x0A, 0x06: // null, undefined
                UnsafeMutableRawPointer(o).storeBytes(of: Self.nullWord, as: UInt32.self)
                o += 4
            case 0x03:
                let n = Int(Int32(littleEndian: s.loadUnaligned(as: Int32.self)))
                guard reservedObject(s, length: n, memo: memo, out: &o, slot: &slot, slots: &slots, remembering: &remembering) else { return false }
                s += n
            case 0x04, 0x07: // arrays and ObjectIds check the room they take as they go: it is there
                p = o
                if type == 0x07 {
                    guard objectId(s) else { return false }
                    s += 12
                } else {
                    let n = Int(Int32(littleEndian: s.loadUnaligned(as: Int32.self)))
                    guard members(s, length: n, asArray: true) else { return false }
                    s += n
                }
                o = p
            default: return false
            }
        }
        o.pointee = UInt8(ascii: "}")
        o += 1
        return true
    }

    /// A key other than the memo's at `slot` (the first document's, or after a change):
    /// writes its text and, while `remembering`, remembers it in the memo's slot at `slot`.
    /// Out of line: rare after the first document, and its registers spilled around the common path.
    @inline(never)
    static func newKey(_ key: UnsafeRawPointer, slot: inout Int, slots: inout Int, remembering: inout Bool,
                       memo: UnsafeMutablePointer<JSONTextMemo>, limit: UnsafeRawPointer, out o: inout UnsafeMutablePointer<UInt8>) -> UnsafeRawPointer
    {
        let text = o
        let valueStart = quoted(key, end: nil, limit: limit, out: &o)
        o.pointee = UInt8(ascii: ":")
        o += 1
        if remembering {
            let keyLength = key.distance(to: valueStart), textLength = text.distance(to: o)
            remembering = memo.pointee.remember(at: slot, key: key, keyLength: keyLength, text: text, textLength: textLength)
            slot += JSONTextMemo.header + keyLength + textLength
            slots = memo.pointee.count
        }
        return valueStart
    }

    /// The bytes of "true", "false" (five of the word) and "null" as words to store;
    /// computed, not `static let`s, which check their lazy initialisation at each use.
    private static var trueWord: UInt32 { UInt32(0x6575_7274).littleEndian }
    private static var falseWord: UInt64 { UInt64(0x65_736C_6166).littleEndian }
    private static var nullWord: UInt32 { UInt32(0x6C6C_756E).littleEndian }

    /// A quoted, escaped string from `start`, up to `end` (its terminating
    /// NUL; a NUL before it is escaped) or for a key (`end` nil) up to the
    /// first NUL, written at `p` in room that holds its longest text; moves
    /// `p` past the closing quote and returns the position just past the
    /// terminating NUL. Copies eight bytes at a time, each word stored whole
    /// before it is looked at (up to seven bytes past the text), so a clean
    /// word costs one load, one store and the test.
    @inline(__always)
    static func quoted(_ start: UnsafeRawPointer, end stringEnd: UnsafeRawPointer?, limit: UnsafeRawPointer,
                       out p: inout UnsafeMutablePointer<UInt8>) -> UnsafeRawPointer
    {
        p.pointee = UInt8(ascii: "\"")
        p += 1
        var s = start
        while true {
            let c: UInt8
            if s + 8 <= limit {
                let w = s.loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(p).storeBytes(of: w, as: UInt64.self)
                let stops = Self.stops(in: UInt64(littleEndian: w))
                if stops == 0 {
                    p += 8
                    s += 8
                    continue
                }
                let i = stops.trailingZeroBitCount &>> 3
                p += i
                s += i
                c = s.load(as: UInt8.self)
            } else {
                c = s.load(as: UInt8.self)
                if c >= 0x20, c != 0x22, c != 0x5C {
                    p.pointee = c
                    p += 1
                    s += 1
                    continue
                }
            }
            if c == 0, stringEnd == nil || s == stringEnd { break }
            p += escape(c, at: p)
            s += 1
        }
        p.pointee = UInt8(ascii: "\"")
        p += 1
        return s + 1
    }
}
