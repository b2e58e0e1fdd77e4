#if canImport(Glibc)
import Glibc
#endif
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// JSON text straight to BSON, without building `JSONValue`s: the path
/// records take from NDJSON files and Kafka values. Same mapping as
/// `BSONFromJSON` (int32/int64/double; Extended JSON `$date`, `$oid`,
/// `$numberLong` wrappers are honoured, through the slower path), except
/// that an integer literal beyond 64 bits becomes an exact decimal128 here
/// (a `JSONValue` can only hold it as a double).
///
/// Keys and strings are unescaped straight into the output, which lives on
/// the stack for records up to `stackBytes`: one copy of each byte, no
/// array checks per element. With a `JSONLineMemory`, keys the last line
/// had at the same place are compared and copied whole.
struct JSONTranscoder {
    var parser: JSONParser
    var out: ScratchBytes
    /// Throw `NonASCIIText` at the first byte at or above 0x80 in a string.
    let ascii: Bool
    let memory: UnsafeMutablePointer<JSONLineMemory.State>?
    /// Where in `memory`'s keys the entry for the next key starts.
    var keyCursor = 0
    /// False once a key could not be remembered: the line's later keys no longer line up with entries.
    var remembering = true
    /// Reading a line in place (`withLine`): `recalledMembers` gives up at a value it does not read itself.
    var inPlace = false
    /// `parser.b`'s first byte and length: a buffer pointer's subscript and
    /// count test its base for nil on every use, several times per member.
    let base: UnsafeRawPointer
    let n: Int

    /// BSON up to this size is built on the stack (more moves to the heap).
    @inline(__always) static var stackBytes: Int { 1024 }

    /// The BSON document of the JSON object in `bytes`, valid during `body`.
    static func withDocument(_ bytes: UnsafeRawBufferPointer, ascii: Bool, memory: JSONLineMemory?, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try withUnsafeTemporaryAllocation(byteCount: stackBytes, alignment: 8) { stack in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { throw JSONParseError(offset: 0, reason: "a record must be a JSON object") }
            var t = JSONTranscoder(parser: JSONParser(b: bytes), out: ScratchBytes(stack), ascii: ascii, memory: memory?.state, base: base, n: bytes.count)
            defer { t.out.release() }
            t.skipSpace()
            guard t.parser.p < t.n, t.at(t.parser.p) == UInt8(ascii: "{") else {
                throw JSONParseError(offset: t.parser.p, reason: "a record must be a JSON object")
            }
            try t.document(depth: 1)
            t.skipSpace()
            guard t.parser.p == bytes.count else { throw t.parser.error("trailing characters") }
            return try body(t.out.bytes)
        }
    }

    /// After the parser sits on "{" or "[": a whole embedded document (length, elements, NUL).
    private mutating func document(depth: Int, array: Bool = false) throws {
        let start = out.count
        out.append(littleEndian: Int32(0))
        if array { try elements(depth: depth) } else { try members(depth: depth) }
        out.append(0)
        out.set(int32: Int32(truncatingIfNeeded: out.count - start), at: start)
    }

    /// After the parser sits on "{": the members, as elements.
    private mutating func members(depth: Int) throws {
        parser.p += 1
        skipSpace()
        if parser.p < n, at(parser.p) == UInt8(ascii: "}") { parser.p += 1; return }
        // A line's own members: a nested object's few do not pay for the fast loop's setup.
        var fast = memory != nil && depth == 1
        while true {
            // As many members as `recalledMembers` takes, then one here
            // (or the rest of one it began), and so on.
            var valueRead = false
            if fast {
                switch try recalledMembers(depth: depth) {
                case .closed: return
                case .afterValue: valueRead = true
                case .atMember: break
                case .notRemembered: fast = false
                case .valueNotInPlace: preconditionFailure("a line's members are read in place by `withLine` alone")
                }
            }
            if !valueRead {
                // The key's quote and then the comma tested first: most lines
                // have no space between members, where skipSpace finds nothing.
                if parser.p >= n || at(parser.p) != UInt8(ascii: "\"") {
                    skipSpace()
                    guard parser.p < n, at(parser.p) == UInt8(ascii: "\"") else { throw parser.error("expected a string key") }
                }
                let element = out.count
                if !recalledKey() { try key(element: element) }
                try memberValue(element: element, depth: depth)
            }
            if parser.p < n, at(parser.p) == UInt8(ascii: ",") {
                parser.p += 1
                continue
            }
            skipSpace()
            guard parser.p < n else { throw parser.error("unterminated object") }
            if at(parser.p) == UInt8(ascii: ",") { parser.p += 1; continue }
            if at(parser.p) == UInt8(ascii: "}") { parser.p += 1; return }
            throw parser.error("expected ',' or '}' in object")
        }
    }

    /// Where `recalledMembers` stopped.
    enum RecalledStop {
        /// Past the object's '}'.
        case closed
        /// After a member's value (before a space, say): the rest as after any value.
        case afterValue
        /// At a member's start (or the space before it), which `members` reads.
        case atMember
        /// At a member whose key is not the next remembered one, or with
        /// none left: the memory has nothing more for this object.
        case notRemembered
        /// Reading `inPlace`, at a value `memberValue` would read: nothing is
        /// written back, as `withLine` drops the line (whitespace inside
        /// such a value could hold a line feed, which it must not cross).
        case valueNotInPlace
    }

    /// The members from the parser on while each has the next remembered
    /// key, as NDJSON lines of one shape have them: the key (`recalledKey`'s
    /// compare), a string without escapes, a short number, a compact
    /// `$date` or a literal read here, any other value by `memberValue`, out of line.
    /// The input, output and key positions are pointers in registers
    /// here; in the member loop they are fields, loaded and stored at each
    /// use (the calls on its slower paths take `self`). A member is written
    /// whole or not at all: at a stop the parser, the output and the key
    /// cursor are at a member's start, or after a value `memberValue` read
    /// (`valueNotInPlace` aside).
    ///
    /// The output room for all the input left (`recalledRoom`) is tested
    /// once, where it is free (in place, the window keeps it so); elsewhere
    /// (a long line read by the general path) it is tested per member, so
    /// that a document that fits the stack is not moved to the heap for
    /// room it does not use. Two copies of one loop: the first keeps the
    /// registers the per-member test would take (about 80 instructions a line).
    @inline(__always)
    mutating func recalledMembers(depth: Int) throws -> RecalledStop {
        if out.end.distance(to: out.limit) >= Self.recalledRoom(n &- parser.p) { return try recalledMembersInRoom(depth: depth) }
        assert(!inPlace, "the window's room is free")
        return try recalledMembersTestingRoom(depth: depth)
    }

    @inline(never)
    private mutating func recalledMembersInRoom(depth: Int) throws -> RecalledStop {
        try recalledMembers(depth: depth, testingRoom: false)
    }

    @inline(never)
    private mutating func recalledMembersTestingRoom(depth: Int) throws -> RecalledStop {
        try recalledMembers(depth: depth, testingRoom: true)
    }

    @inline(__always)
    private mutating func recalledMembers(depth: Int, testingRoom: Bool) throws -> RecalledStop {
        guard let memory else { return .notRemembered }
        var entry = memory.pointee.keys + keyCursor
        let end = base + n
        var at = base + parser.p
        out.reserve(testingRoom ? end - at &+ 64 : Self.recalledRoom(end - at))
        var to = out.end
        while at < end {
            if at.load(as: UInt8.self) != UInt8(ascii: "\"") {
                // Spaces before a key (", " between members, as Python writes them) are skipped here.
                while at < end, at.load(as: UInt8.self) == 0x20 { at += 1 }
                guard at < end, at.load(as: UInt8.self) == UInt8(ascii: "\"") else { break }
            }
            // 0: the entries' end (`JSONLineMemory.State.keys`).
            let k = Int(entry.load(as: UInt8.self))
            let rest = at.distance(to: end)
            guard k != 0, k < rest else { return stopRecalling(.notRemembered, at: at, to: to, entry: entry) }
            // A member writes at most its key, a string's length and NUL or a number, and the input left.
            if testingRoom, to.distance(to: out.limit) < rest &+ 48 {
                out.advance(to: to)
                out.reserve(rest &+ 64)
                to = out.end
            }
            assert(to.distance(to: out.limit) >= rest &+ 16, "recalledRoom was not enough")
            // The type byte at `to` is stored once the value is known (or by `memberValue`).
            guard Self.sameBytesCopied(at + 1, entry + 1, k, room: rest &- 1, to: to + 1) else {
                return stopRecalling(.notRemembered, at: at, to: to, entry: entry)
            }
            // The key's quote becomes the name's NUL; the colon, past the name, is overwritten by the value.
            to.storeBytes(of: 0, toByteOffset: k &- 1, as: UInt8.self)
            var v = at + (k &+ 1)
            var w = to + k
            guard v < end else { break }
            var c = v.load(as: UInt8.self)
            if c == 0x20 {
                // And after the colon (": ").
                repeat { v += 1 } while v < end && v.load(as: UInt8.self) == 0x20
                guard v < end else { break }
                c = v.load(as: UInt8.self)
            }
            // Nil for a value `memberValue` reads.
            let type: BSONType?
            if c == UInt8(ascii: "\"") {
                let count = v.distance(to: end) &- 1
                let plain = ascii ? Self.copyPlain(v + 1, count, to: w + 4, ascii: true) : Self.copyPlain(v + 1, count, to: w + 4, ascii: false)
                let quote = v + (plain &+ 1)
                if quote < end, quote.load(as: UInt8.self) == UInt8(ascii: "\"") {
                    w.storeBytes(of: Int32(truncatingIfNeeded: plain &+ 1).littleEndian, as: Int32.self)
                    w.storeBytes(of: 0, toByteOffset: 4 &+ plain, as: UInt8.self)
                    w += 5 &+ plain
                    v = quote + 1
                    type = .string
                } else {
                    // An escape, a control byte, a byte at or above 0x80 in ASCII mode, or no closing quote.
                    type = nil
                }
            } else if c &- 48 < 10 || c == UInt8(ascii: "-"), let (number, after) = JSONParser.shortNumber(at: v, end: end) {
                switch number {
                case let .int(i):
                    if let small = Int32(exactly: i) {
                        w.storeBytes(of: small.littleEndian, as: Int32.self)
                        w += 4
                        type = .int32
                    } else {
                        w.storeBytes(of: i.littleEndian, as: Int64.self)
                        w += 8
                        type = .int64
                    }
                case let .double(d):
                    w.storeBytes(of: d.bitPattern.littleEndian, as: UInt64.self)
                    w += 8
                    type = .double
                }
                v = after
            } else if c == UInt8(ascii: "{"), let ms = compactDate(at: base.distance(to: v)) {
                w.storeBytes(of: ms.littleEndian, as: Int64.self)
                w += 8
                v += 36
                type = .datetime
            } else if v.distance(to: end) >= 4, let literal = Self.literal(v.loadUnaligned(as: UInt32.self), v.distance(to: end) >= 5 ? v.load(fromByteOffset: 4, as: UInt8.self) : 0) {
                if literal.type == .bool {
                    w.storeBytes(of: literal.length == 4 ? 1 : 0, as: UInt8.self)
                    w += 1
                }
                v += literal.length
                type = literal.type
            } else {
                type = nil
            }
            guard let type else {
                if inPlace { return .valueNotInPlace }
                // `memberValue` reads the value from the output's and the parser's fields.
                let element = out.base.distance(to: to)
                parser.p = base.distance(to: v)
                out.advance(to: w)
                keyCursor = memory.pointee.keys.distance(to: entry + (k &+ 1))
                try slowMemberValue(element: element, depth: depth)
                // The value may have moved the output to the heap, and read
                // nested keys through the memory, remembering some anew:
                // its entries are past the cursor, and may end elsewhere.
                v = base + parser.p
                if !testingRoom { out.reserve(Self.recalledRoom(end - v)) }
                to = out.end
                entry = memory.pointee.keys + keyCursor
                guard v < end else { return .afterValue }
                let next = v.load(as: UInt8.self)
                guard next == UInt8(ascii: ",") || next == UInt8(ascii: "}") else { return .afterValue }
                at = v + 1
                if next == UInt8(ascii: "}") { return stopRecalling(.closed, at: at, to: to, entry: entry) }
                continue
            }
            to.storeBytes(of: type.rawValue, as: UInt8.self)
            entry += k &+ 1
            guard v < end, case let next = v.load(as: UInt8.self), next == UInt8(ascii: ",") || next == UInt8(ascii: "}") else {
                return stopRecalling(.afterValue, at: v, to: w, entry: entry)
            }
            to = w
            at = v + 1
            if next == UInt8(ascii: "}") { return stopRecalling(.closed, at: at, to: to, entry: entry) }
        }
        return stopRecalling(.atMember, at: at, to: to, entry: entry)
    }

    /// `recalledMembers`' return: its input, output and key positions written back to the fields.
    @inline(__always)
    private mutating func stopRecalling(_ stop: RecalledStop, at: UnsafeRawPointer, to: UnsafeMutableRawPointer,
                                        entry: UnsafeMutableRawPointer) -> RecalledStop {
        parser.p = base.distance(to: at)
        out.advance(to: to)
        keyCursor = memory.unsafelyUnwrapped.pointee.keys.distance(to: entry)
        return stop
    }

    /// `true`, `false` or `null` in the four bytes `word` (as loaded) and
    /// the byte `fifth` after them: its type and length; nil for anything else.
    @inline(__always)
    private static func literal(_ word: UInt32, _ fifth: UInt8) -> (type: BSONType, length: Int)? {
        // "true", "fals" and "null", little-endian.
        switch UInt32(littleEndian: word) {
        case 0x6575_7274: (.bool, 4)
        case 0x736C_6166 where fifth == UInt8(ascii: "e"): (.bool, 5)
        case 0x6C6C_756E: (.null, 4)
        default: nil
        }
    }

    /// `memberValue` out of line, for `recalledMembers`.
    @inline(never)
    private mutating func slowMemberValue(element: Int, depth: Int) throws {
        try memberValue(element: element, depth: depth)
    }

    /// After the parser sits on a key's quote: the element's type
    /// placeholder and name, the parser past the colon. Out of line: most
    /// keys are recalled (`recalledKey`), and this path, with its own
    /// inlined `string`, would only lengthen the member loop.
    @inline(never)
    private mutating func key(element: Int) throws {
        out.append(0)  // the type, known after the value
        let keyStart = parser.p + 1
        let escaped = try string()
        // Only an escaped key can hold U+0000; a BSON key ends at the first NUL, so the record would be malformed.
        if escaped, memchr(out.base + element + 1, 0, out.count - element - 1) != nil {
            throw parser.error(BSONFromJSON.nulKeyReason)
        }
        out.append(0)
        if memory != nil { rememberKey(from: keyStart, escaped: escaped) }
        skipSpace()
        guard parser.p < n, at(parser.p) == UInt8(ascii: ":") else { throw parser.error("expected ':' after a key") }
        parser.p += 1
    }

    /// After the parser sits on a key's quote: when the next remembered key
    /// is the same bytes followed by ':', its element's type byte and name
    /// are written and the parser moves past the colon. One pass: each input
    /// word goes to the output as it is compared (a mismatch leaves it past
    /// `out.count`, where the full read overwrites it), instead of a compare
    /// loop and then a copy loop over the remembered entry.
    @inline(__always)
    private mutating func recalledKey() -> Bool {
        // No test of `remembering`: a line that stopped remembering cut the
        // entries at the cursor, which then stays, so none is left to recall.
        guard let memory else { return false }
        let entry = memory.pointee.keys + keyCursor
        let n = Int(entry.load(as: UInt8.self))
        let p = parser.p &+ 1
        let room = self.n &- p
        // 0: no entry left.
        guard n != 0, n <= room else { return false }
        // The type placeholder, then the key, its quote and colon, stored 16 bytes or a word at a time.
        out.reserve(n &+ 16)
        let to = out.end
        to.storeBytes(of: 0, as: UInt8.self)
        guard Self.sameBytesCopied(base + p, entry + 1, n, room: room, to: to + 1) else { return false }
        // The key's quote becomes the name's NUL; the colon, past the element, is overwritten by the value.
        to.storeBytes(of: 0, toByteOffset: n &- 1, as: UInt8.self)
        out.advance(n)
        keyCursor &+= n &+ 1
        parser.p = p &+ n
        return true
    }

    /// After a key read in full (its closing quote at `parser.p - 1`): it
    /// replaces the entry at the cursor and the ones after, when it can
    /// be recalled (no escape, ASCII, a ':' right after it, room left).
    private mutating func rememberKey(from start: Int, escaped: Bool) {
        guard let memory, remembering else { return }
        let b = parser.b
        let length = parser.p - 1 - start
        let n = length + 2
        guard !escaped, n <= 255, keyCursor + n + 1 <= JSONLineMemory.keyCapacity, parser.p < b.count, b[parser.p] == UInt8(ascii: ":"),
              UTF8Check.isASCII(UnsafeRawBufferPointer(rebasing: b[start ..< parser.p])) else {
            memory.pointee.keys.storeBytes(of: 0, toByteOffset: keyCursor, as: UInt8.self)
            remembering = false
            return
        }
        let entry = memory.pointee.keys + keyCursor
        entry.storeBytes(of: UInt8(n), as: UInt8.self)
        memcpy(entry + 1, b.baseAddress! + start, n)
        keyCursor += n + 1
        memory.pointee.keys.storeBytes(of: 0, toByteOffset: keyCursor, as: UInt8.self)
    }

    /// Whether the `n` bytes at `input` (which has `room` readable bytes)
    /// equal those at `saved` (readable 16 bytes past `n`), 16 bytes at a
    /// time while the input has them, then a word at a time; the input's
    /// bytes are stored at `to` as they are read (up to 16 past `n`, which
    /// the caller reserved).
    @inline(__always)
    private static func sameBytesCopied(_ input: UnsafeRawPointer, _ saved: UnsafeRawPointer, _ n: Int, room: Int,
                                        to: UnsafeMutableRawPointer) -> Bool {
        var i = 0
        #if arch(x86_64)
        // One compare for most keys (up to 14 bytes, with the quote and
        // colon): the word loop took a compare and a branch per word, and
        // its last word's shifted mask.
        while room &- i >= 16 {
            let block = input.loadUnaligned(fromByteOffset: i, as: __m128i.self)
            to.storeBytes(of: block, toByteOffset: i, as: __m128i.self)
            let same = UInt32(bitPattern: _mm_movemask_epi8(_mm_cmpeq_epi8(block, saved.loadUnaligned(fromByteOffset: i, as: __m128i.self))))
            let rest = n &- i
            if rest <= 16 { return ~same & (UInt32(1) &<< rest &- 1) == 0 }
            guard same == 0xFFFF else { return false }
            i &+= 16
        }
        #endif
        while i &+ 8 <= n {
            let word = input.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            to.storeBytes(of: word, toByteOffset: i, as: UInt64.self)
            if word != saved.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        let rest = n &- i
        guard rest > 0 else { return true }
        if room &- i >= 8 {
            let word = input.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            to.storeBytes(of: word, toByteOffset: i, as: UInt64.self)
            let differ = UInt64(littleEndian: word ^ saved.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            return differ & (UInt64.max &>> (64 &- 8 &* rest)) == 0
        }
        guard memcmp(input + i, saved + i, rest) == 0 else { return false }
        memcpy(to + i, input + i, rest)
        return true
    }

    /// After the parser sits on "[": the items, as elements keyed "0", "1", …
    private mutating func elements(depth: Int) throws {
        parser.p += 1
        skipSpace()
        if parser.p < n, at(parser.p) == UInt8(ascii: "]") { parser.p += 1; return }
        var index = 0
        while true {
            let element = out.count
            out.append(0)
            out.appendDecimal(index)
            out.append(0)
            index += 1
            // Items sit one level deeper than their array, as in the general parser.
            try value(element: element, depth: depth)
            skipSpace()
            guard parser.p < n else { throw parser.error("unterminated array") }
            if at(parser.p) == UInt8(ascii: ",") { parser.p += 1; continue }
            if at(parser.p) == UInt8(ascii: "]") { parser.p += 1; return }
            throw parser.error("expected ',' or ']' in array")
        }
    }

    /// A member's value, right after its colon: a string, a number or a
    /// `$date` as `JSONWriter` writes it, read without `value`'s dispatch
    /// (an NDJSON line is mostly these); anything else, a space included, through `value`.
    @inline(always)
    private mutating func memberValue(element: Int, depth: Int) throws {
        guard depth < parser.maxDepth, parser.p < n else { return try value(element: element, depth: depth) }
        let c = at(parser.p)
        let type: BSONType
        if c == UInt8(ascii: "\"") {
            type = try stringValue()
        } else if c &- 48 < 10 || c == UInt8(ascii: "-") {
            // The short forms inline; the rest through `number`'s call.
            switch JSONParser.shortNumber(base, at: parser.p, n) {
            case let (.int(i), end)?:
                parser.p = end
                type = appendInteger(i)
            case let (.double(d), end)?:
                parser.p = end
                // Too short for `appendDouble`'s decimal128 (19 characters or more).
                out.append(littleEndian: d.bitPattern)
                type = .double
            case nil: type = try number(general: true)
            }
        } else if c == UInt8(ascii: "{"), let ms = compactDate(at: parser.p) {
            parser.p &+= 36
            out.append(littleEndian: ms)
            type = .datetime
        } else {
            return try value(element: element, depth: depth)
        }
        out.set(type.rawValue, at: element)
    }

    /// `{"$date":"YYYY-MM-DDTHH:MM:SS.mmmZ"}` without spaces, as
    /// `JSONWriter` writes a BSON date, at `p`: its milliseconds (the form
    /// is 36 bytes long). Nil for anything else: `value` then reads it
    /// (`extendedDate` gives the same milliseconds for this form). The
    /// fixed-offset reader accepts only digits and separators, so the
    /// 24 bytes hold no quote or escape the general path would stop at.
    @inline(always)
    private func compactDate(at p: Int) -> Int64? {
        // `{"$date` and `":"`, little-endian.
        let head: UInt64 = 0x2265_7461_6424_227B, colon: UInt16 = 0x223A
        // Offsets within the 36 bytes checked to be there: wrapping arithmetic.
        guard n &- p >= 36, base.loadUnaligned(fromByteOffset: p, as: UInt64.self) == UInt64(littleEndian: head),
              base.loadUnaligned(fromByteOffset: p &+ 8, as: UInt16.self) == UInt16(littleEndian: colon),
              at(p &+ 34) == UInt8(ascii: "\""), at(p &+ 35) == UInt8(ascii: "}") else { return nil }
        let text = UnsafeRawBufferPointer(start: base + (p &+ 10), count: 24)
        let parsed = if let memory { ISO8601.parseUTC(text, memo: &memory.pointee.day) } else { ISO8601.parseUTC(text) }
        return parsed
    }

    /// After the parser sits on a quote: a string element's length, bytes and NUL.
    @inline(always)
    private mutating func stringValue() throws -> BSONType {
        let length = out.count
        out.append(littleEndian: Int32(0))
        _ = try string()
        out.append(0)
        out.set(int32: Int32(truncatingIfNeeded: out.count &- length &- 4), at: length)
        return .string
    }

    /// The value of the element whose type byte is at `element` (its key written after it).
    private mutating func value(element: Int, depth: Int) throws {
        guard depth < parser.maxDepth else { throw parser.error("nesting deeper than \(parser.maxDepth)") }
        skipSpace()
        guard parser.p < n else { throw parser.error("unexpected end of input") }
        let type: BSONType
        switch at(parser.p) {
        case UInt8(ascii: "{"):
            if startsWithDollarKey() {
                if extendedDate() { type = .datetime } else { return try wrapper(element: element, depth: depth) }
            } else {
                try document(depth: depth + 1)
                type = .document
            }
        case UInt8(ascii: "["):
            try document(depth: depth + 1, array: true)
            type = .array
        case UInt8(ascii: "\""): type = try stringValue()
        case UInt8(ascii: "t"): try parser.literal("true"); out.append(1); type = .bool
        case UInt8(ascii: "f"): try parser.literal("false"); out.append(0); type = .bool
        case UInt8(ascii: "n"): try parser.literal("null"); type = .null
        default: type = try number()
        }
        out.set(type.rawValue, at: element)
    }

    /// Reads a number with `JSONParser.scanNumber` (the parser's values and
    /// errors), or `scanGeneralNumber` when the caller tried the one-word
    /// path already (`general`), and writes it: int32 when it fits, else
    /// int64; a double; an integer literal beyond 64 bits as an exact decimal128.
    private mutating func number(general: Bool = false) throws -> BSONType {
        let start = parser.p
        switch try general ? parser.scanGeneralNumber() : parser.scanNumber() {
        case let .int(i): return appendInteger(i)
        case let .double(d): return appendDouble(d, start: start)
        }
    }

    @inline(__always)
    private mutating func appendInteger(_ i: Int64) -> BSONType {
        if let small = Int32(exactly: i) {
            out.append(littleEndian: small)
            return .int32
        }
        out.append(littleEndian: i)
        return .int64
    }

    @inline(__always)
    private mutating func appendDouble(_ d: Double, start: Int) -> BSONType {
        // An integer literal beyond 64 bits (19 characters at least) stays exact as a decimal128.
        if parser.p &- start >= 19, let exact = Self.decimal128(integer: UnsafeRawBufferPointer(rebasing: parser.b[start ..< parser.p])) {
            out.append(littleEndian: exact.low)
            out.append(littleEndian: exact.high)
            return .decimal128
        }
        out.append(littleEndian: d.bitPattern)
        return .double
    }

    /// After the parser sits on a quote: the string's bytes, unescaped, into
    /// the output; true when it held an escape. Same errors, at the same
    /// offsets, as `JSONParser.string`. Inlined into its callers (keys read
    /// in full, `stringValue`), which otherwise paid a call per string; a
    /// string with anything but plain bytes goes on out of line (`stringRest`).
    @inline(always)
    private mutating func string() throws -> Bool {
        let p = parser.p &+ 1
        // Unescaping never lengthens text: the rest of the input, and a word
        // stored past it, bound what the string writes.
        out.reserve(n &- p &+ 8)
        let stringStart = out.count
        let end = copyPlain(from: p)
        if end < n, at(end) == UInt8(ascii: "\"") {
            parser.p = end &+ 1
            return false
        }
        return try stringRest(at: end, from: stringStart)
    }

    /// `string` from its first stop byte that is not the closing quote
    /// (`at`; the output holds the string from `stringStart`). A call of
    /// its own: the escapes and errors stay out of the member loop, where
    /// `string` is inlined.
    @inline(never)
    private mutating func stringRest(at start: Int, from stringStart: Int) throws -> Bool {
        var p = start
        var escaped = false
        while true {
            guard p < n else { parser.p = p; throw parser.error("unterminated string") }
            let c = at(p)
            if c == UInt8(ascii: "\"") { break }
            if c >= 0x80 { parser.p = p; throw NonASCIIText() }
            if c < 0x20 { parser.p = p; throw parser.error("control character in string") }
            escaped = true
            parser.p = p + 1
            try escape()
            p = copyPlain(from: parser.p)
        }
        parser.p = p + 1
        if escaped, !ascii { repairUTF8(from: stringStart) }
        return escaped
    }

    /// Copies the plain run from `p` (up to a quote, a backslash, a control
    /// character, or in `ascii` mode a byte at or above 0x80) to the
    /// output, scanning and storing 16 bytes (SSE2) or a word at a time; returns where it ends.
    /// The caller reserved the rest of the input and a word more.
    @inline(always)
    private mutating func copyPlain(from start: Int) -> Int {
        // A loop per mode: with `ascii` tested in the loop, each word paid a select.
        // Locals, not `out`'s or `self`'s fields: each store through the
        // output pointer reloaded them, as it may alias them.
        let i = ascii ? Self.copyPlain(base + start, n &- start, to: out.end, ascii: true)
                      : Self.copyPlain(base + start, n &- start, to: out.end, ascii: false)
        out.advance(i)
        return start &+ i
    }

    /// `copyPlain(from:)`'s loop over the `count` bytes at `from`: how many are plain.
    @inline(__always)
    private static func copyPlain(_ from: UnsafeRawPointer, _ count: Int, to: UnsafeMutableRawPointer, ascii: Bool) -> Int {
        var i = 0
        #if arch(x86_64)
        while i &+ 16 <= count {
            let v = from.loadUnaligned(fromByteOffset: i, as: __m128i.self)
            to.storeBytes(of: v, toByteOffset: i, as: __m128i.self)
            let m = StringScan.stopBits(v, ascii: ascii)
            if m != 0 { return i &+ m.trailingZeroBitCount }
            i &+= 16
        }
        #else
        // Two words a step: the masks' constants, set up in registers per
        // step, and the loop's test serve both.
        while i &+ 16 <= count {
            let v = from.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let w = from.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
            to.storeBytes(of: v, toByteOffset: i, as: UInt64.self)
            to.storeBytes(of: w, toByteOffset: i &+ 8, as: UInt64.self)
            let m = StringScan.stopMask(UInt64(littleEndian: v), ascii: ascii)
            let k = StringScan.stopMask(UInt64(littleEndian: w), ascii: ascii)
            if m | k != 0 { return i &+ (m != 0 ? m.trailingZeroBitCount : 64 &+ k.trailingZeroBitCount) &>> 3 }
            i &+= 16
        }
        #endif
        if i &+ 8 <= count {
            let v = from.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            to.storeBytes(of: v, toByteOffset: i, as: UInt64.self)
            let m = StringScan.stopMask(UInt64(littleEndian: v), ascii: ascii)
            if m != 0 { return i &+ m.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < count {
            let c = from.load(fromByteOffset: i, as: UInt8.self)
            if StringScan.stops(c) || (ascii && c >= 0x80) { break }
            to.storeBytes(of: c, toByteOffset: i, as: UInt8.self)
            i &+= 1
        }
        return i
    }

    /// After a backslash: the escape (`JSONParser.escapedScalar`), unescaped into the output.
    private mutating func escape() throws {
        let u = try parser.escapedScalar()
        if u.value < 0x80 { out.append(UInt8(u.value)) } else { for unit in UTF8.encode(u)! { out.append(unit) } }
    }

    /// An escaped string with raw non-ASCII bytes becomes valid UTF-8 as
    /// `JSONParser.string` makes it (`String(decoding:)` replaces a bad sequence with U+FFFD).
    private mutating func repairUTF8(from start: Int) {
        let written = UnsafeRawBufferPointer(start: out.base + start, count: out.count - start)
        guard !UTF8Check.isASCII(written) else { return }
        let fixed = Array(String(decoding: written, as: UTF8.self).utf8)
        guard !fixed.elementsEqual(written) else { return }
        out.truncate(to: start)
        fixed.withUnsafeBytes { out.append($0) }
    }

    /// An Extended JSON wrapper other than a plain `$date` (or a `$date` that
    /// does not parse): through a `JSONValue` and `BSONFromJSON`, which
    /// rewrites the whole element, key included.
    private mutating func wrapper(element: Int, depth: Int) throws {
        let start = parser.p
        let v = try parser.value(depth: depth)
        if ascii, !UTF8Check.isASCII(UnsafeRawBufferPointer(rebasing: parser.b[start ..< parser.p])) { throw NonASCIIText() }
        let keyEnd = memchr(out.base + element + 1, 0, out.count - element - 1)!
        let key = String(decoding: UnsafeRawBufferPointer(start: out.base + element + 1, count: out.base.distance(to: keyEnd) - element - 1), as: UTF8.self)
        var w = BSONWriter(capacity: 64)
        BSONFromJSON.append(&w, key, v)
        let doc = w.finish()
        out.truncate(to: element)
        doc.withUnsafeBytes { out.append(UnsafeRawBufferPointer(rebasing: $0[4 ..< $0.count - 1])) }
    }

    /// The decimal128 (low, high words) of an integer literal (`-?[0-9]+`),
    /// exact: up to 34 significant digits, trailing zeros going into the
    /// exponent. Nil for a literal with a fraction or an exponent, or more digits.
    static func decimal128(integer text: UnsafeRawBufferPointer) -> (low: UInt64, high: UInt64)? {
        let negative = text.first == UInt8(ascii: "-")
        var digits = text[(negative ? 1 : 0)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        var exponent = 0
        while digits.count > 34, digits.last == UInt8(ascii: "0") { digits.removeLast(); exponent += 1 }
        guard digits.count <= 34 else { return nil }
        var coefficient: UInt128 = 0
        for d in digits { coefficient = coefficient * 10 + UInt128(d - 48) }
        let high = (negative ? 1 << 63 : 0) | UInt64(exponent + 6176) << 49 | UInt64(truncatingIfNeeded: coefficient >> 64)
        return (UInt64(truncatingIfNeeded: coefficient), high)
    }

    /// `{"$date":"<ISO 8601>"}`, the wrapper `JSONWriter` puts on every BSON
    /// date, straight to a datetime as `BSONFromJSON` makes it, without the
    /// `JSONValue` tree. False, with the parser where it was, for anything
    /// else (other wrappers, escapes, a date that does not parse): the
    /// general path then reads it.
    private mutating func extendedDate() -> Bool {
        let saved = parser.p
        let b = parser.b
        parser.p += 1
        parser.skipSpace()
        let tag: StaticString = "\"$date\""
        guard parser.p + 7 <= b.count, memcmp(b.baseAddress! + parser.p, tag.utf8Start, 7) == 0 else { parser.p = saved; return false }
        parser.p += 7
        parser.skipSpace()
        guard parser.p < b.count, b[parser.p] == UInt8(ascii: ":") else { parser.p = saved; return false }
        parser.p += 1
        parser.skipSpace()
        guard parser.p < b.count, b[parser.p] == UInt8(ascii: "\"") else { parser.p = saved; return false }
        let start = parser.p + 1
        let i = StringScan.plainEnd(b, from: start)
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { parser.p = saved; return false }
        parser.p = i + 1
        parser.skipSpace()
        guard parser.p < b.count, b[parser.p] == UInt8(ascii: "}"),
              let ms = utcDate(UnsafeRawBufferPointer(rebasing: b[start ..< i])) else { parser.p = saved; return false }
        parser.p += 1
        out.append(littleEndian: ms)
        return true
    }

    /// `ISO8601.parse`, through the memory's last day when there is one.
    @inline(__always)
    private func utcDate(_ text: UnsafeRawBufferPointer) -> Int64? {
        if let memory, let ms = ISO8601.parseUTC(text, memo: &memory.pointee.day) { return ms }
        return ISO8601.parse(text)
    }

    /// The input byte at `i` (below `n`).
    @inline(__always)
    func at(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }

    /// `JSONParser.skipSpace` with the first test on `base` and `n`; at
    /// the end of the input (after every record) it has nothing to skip.
    @inline(__always)
    mutating func skipSpace() {
        if parser.p < n, at(parser.p) <= 0x20 { parser.skipSpace() }
    }

    /// Whether the object at the parser starts with a "$…" key (an Extended JSON wrapper).
    private func startsWithDollarKey() -> Bool {
        var i = parser.p + 1
        let b = parser.b
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        return i + 1 < b.count && b[i] == UInt8(ascii: "\"") && b[i + 1] == UInt8(ascii: "$")
    }
}

/// Thrown by `BSONFromJSON.withDocument(json:ascii:)` at a string byte at or
/// above 0x80: the caller checks (or repairs) the text's UTF-8, then reads it again.
public struct NonASCIIText: Error, Sendable {}

extension BSONFromJSON {
    /// Transcodes one JSON object (e.g. an NDJSON line) into the open
    /// top-level document of `w`. Call `w.reset()` before and `w.finish()` after.
    public static func transcode(json: UnsafeRawBufferPointer, into w: inout BSONWriter) throws {
        try JSONTranscoder.withDocument(json, ascii: false, memory: nil) { w.appendElements(of: $0) }
    }

    /// The BSON document of one JSON object (e.g. an NDJSON line), valid
    /// during `body`: no array or writer in between. With `ascii`, throws
    /// `NonASCIIText` at the first string byte at or above 0x80, so a caller
    /// that must check UTF-8 skips that pass for ASCII text. With `memory`
    /// (one per stream of lines), keys and dates repeated from the last
    /// line read faster; the document is the same.
    public static func withDocument(json: UnsafeRawBufferPointer, ascii: Bool = false, memory: JSONLineMemory? = nil,
                                    _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try JSONTranscoder.withDocument(json, ascii: ascii, memory: memory, body)
    }
}
