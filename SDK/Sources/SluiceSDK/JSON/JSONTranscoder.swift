#if canImport(Glibc)
import Glibc
#endif

/// JSON text straight to BSON, without building `JSONValue`s: the path
/// records take from NDJSON files and Kafka values. Same mapping as
/// `BSONFromJSON` (int32/int64/double; Extended JSON `$date`, `$oid`,
/// `$numberLong` wrappers are honoured, through the slower path), except
/// that an integer literal beyond 64 bits becomes an exact decimal128 here
/// (a `JSONValue` can only hold it as a double).
struct JSONTranscoder {
    var parser: JSONParser

    /// Writes the members of the top-level JSON object into `w` (already open).
    static func transcodeObject(_ bytes: UnsafeRawBufferPointer, into w: inout BSONWriter) throws {
        var t = JSONTranscoder(parser: JSONParser(b: bytes))
        t.parser.skipSpace()
        guard t.parser.p < bytes.count, bytes[t.parser.p] == UInt8(ascii: "{") else {
            throw JSONParseError(offset: t.parser.p, reason: "a record must be a JSON object")
        }
        try t.members(into: &w, depth: 1)
        t.parser.skipSpace()
        guard t.parser.p == bytes.count else { throw t.parser.error("trailing characters") }
    }

    /// After the parser sits on "{": the members, into the currently open document.
    private mutating func members(into w: inout BSONWriter, depth: Int) throws {
        parser.p += 1
        parser.skipSpace()
        if parser.p < parser.b.count, parser.b[parser.p] == UInt8(ascii: "}") { parser.p += 1; return }
        while true {
            parser.skipSpace()
            guard parser.p < parser.b.count, parser.b[parser.p] == UInt8(ascii: "\"") else { throw parser.error("expected a string key") }
            let key = try lexString()
            // Only an escaped key can hold U+0000; a BSON key ends at the first NUL, so the record would be malformed.
            if case let .owned(bytes) = key, bytes.contains(0) { throw parser.error(BSONFromJSON.nulKeyReason) }
            parser.skipSpace()
            guard parser.p < parser.b.count, parser.b[parser.p] == UInt8(ascii: ":") else { throw parser.error("expected ':' after a key") }
            parser.p += 1
            try Self.withBytes(key, parser.b) { try value($0, into: &w, depth: depth) }
            parser.skipSpace()
            guard parser.p < parser.b.count else { throw parser.error("unterminated object") }
            if parser.b[parser.p] == UInt8(ascii: ",") { parser.p += 1; continue }
            if parser.b[parser.p] == UInt8(ascii: "}") { parser.p += 1; return }
            throw parser.error("expected ',' or '}' in object")
        }
    }

    /// A lexed string: a range of the input when it has no escapes, else its unescaped bytes.
    enum Lexed {
        case slice(Range<Int>)
        case owned([UInt8])
    }

    private mutating func lexString() throws -> Lexed {
        let start = parser.p + 1
        let b = parser.b
        let i = StringScan.plainEnd(b, from: start)
        if i < b.count, b[i] == UInt8(ascii: "\"") {
            parser.p = i + 1
            return .slice(start ..< i)
        }
        return .owned(Array(try parser.string().utf8))
    }

    private static func withBytes(_ l: Lexed, _ b: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        switch l {
        case let .slice(r): try body(UnsafeRawBufferPointer(rebasing: b[r]))
        case let .owned(bytes): try bytes.withUnsafeBytes(body)
        }
    }

    private mutating func value(_ key: UnsafeRawBufferPointer, into w: inout BSONWriter, depth: Int) throws {
        guard depth < parser.maxDepth else { throw parser.error("nesting deeper than \(parser.maxDepth)") }
        parser.skipSpace()
        guard parser.p < parser.b.count else { throw parser.error("unexpected end of input") }
        switch parser.b[parser.p] {
        case UInt8(ascii: "{"):
            if startsWithDollarKey() {
                if extendedDate(key, into: &w) { return }
                let v = try parser.value(depth: depth)
                BSONFromJSON.append(&w, String(decoding: key, as: UTF8.self), v)
            } else {
                w.begin(.document, keyBytes: key)
                try members(into: &w, depth: depth + 1)
                w.end()
            }
        case UInt8(ascii: "["):
            w.begin(.array, keyBytes: key)
            parser.p += 1
            parser.skipSpace()
            if parser.p < parser.b.count, parser.b[parser.p] == UInt8(ascii: "]") {
                parser.p += 1
            } else {
                while true {
                    try value(key, into: &w, depth: depth + 1)
                    parser.skipSpace()
                    guard parser.p < parser.b.count else { throw parser.error("unterminated array") }
                    if parser.b[parser.p] == UInt8(ascii: ",") { parser.p += 1; continue }
                    if parser.b[parser.p] == UInt8(ascii: "]") { parser.p += 1; break }
                    throw parser.error("expected ',' or ']' in array")
                }
            }
            w.end()
        case UInt8(ascii: "\""):
            let text = try lexString()
            Self.withBytes(text, parser.b) { w.append(keyBytes: key, stringBytes: $0) }
        case UInt8(ascii: "t"): try parser.literal("true"); w.append(keyBytes: key, bool: true)
        case UInt8(ascii: "f"): try parser.literal("false"); w.append(keyBytes: key, bool: false)
        case UInt8(ascii: "n"): try parser.literal("null"); w.appendNull(keyBytes: key)
        default:
            let start = parser.p
            switch try parser.number() {
            case let .int(i): w.append(keyBytes: key, int64: i)
            case let .double(d):
                // An integer literal beyond 64 bits (19 characters at least) stays exact as a decimal128.
                if parser.p - start >= 19, let exact = Self.decimal128(integer: UnsafeRawBufferPointer(rebasing: parser.b[start ..< parser.p])) {
                    w.append(keyBytes: key, decimal128: exact)
                } else {
                    w.append(keyBytes: key, double: d)
                }
            default: throw parser.error("expected a number")
            }
        }
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
    private mutating func extendedDate(_ key: UnsafeRawBufferPointer, into w: inout BSONWriter) -> Bool {
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
              let ms = ISO8601.parse(UnsafeRawBufferPointer(rebasing: b[start ..< i])) else { parser.p = saved; return false }
        parser.p += 1
        w.append(keyBytes: key, datetime: ms)
        return true
    }

    /// Whether the object at the parser starts with a "$…" key (an Extended JSON wrapper).
    private func startsWithDollarKey() -> Bool {
        var i = parser.p + 1
        let b = parser.b
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        return i + 1 < b.count && b[i] == UInt8(ascii: "\"") && b[i + 1] == UInt8(ascii: "$")
    }
}

extension BSONFromJSON {
    /// Transcodes one JSON object (e.g. an NDJSON line) into the open
    /// top-level document of `w`. Call `w.reset()` before and `w.finish()` after.
    public static func transcode(json: UnsafeRawBufferPointer, into w: inout BSONWriter) throws {
        try JSONTranscoder.transcodeObject(json, into: &w)
    }
}
