#if canImport(Glibc)
import Glibc
#endif

/// A JSON parse error with the byte offset where it was found.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
}

/// A JSON number's value: an integer when the literal is one that fits 64 bits.
enum JSONNumber {
    case int(Int64)
    case double(Double)
}

/// Parses RFC 8259 JSON. Integers that fit Int64 stay integers.
public struct JSONParser {
    let b: UnsafeRawBufferPointer
    var p = 0
    let maxDepth = BSONDocument.maxNesting

    /// Parses exactly one JSON value from `text` (surrounding white space allowed).
    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0)) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var parser = JSONParser(b: bytes)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.p == bytes.count else { throw parser.error("trailing characters") }
        return value
    }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    init(b: UnsafeRawBufferPointer) { self.b = b }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: p, reason: reason) }

    /// Most calls find no space: that test is inlined, the loop is not.
    @inline(__always)
    mutating func skipSpace() {
        if p < b.count, b[p] > 0x20 { return }
        skipSpaceLoop()
    }

    @inline(never)
    private mutating func skipSpaceLoop() {
        while p < b.count, b[p] == 0x20 || b[p] == 0x0A || b[p] == 0x0D || b[p] == 0x09 { p += 1 }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth)") }
        skipSpace()
        guard p < b.count else { throw error("unexpected end of input") }
        switch b[p] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(b[p])))'")
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard p + n <= b.count, memcmp(b.baseAddress! + p, word.utf8Start, n) == 0 else {
            throw error("expected \(word)")
        }
        p += n
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        p += 1
        var members: [(key: String, value: JSONValue)] = []
        skipSpace()
        if p < b.count, b[p] == UInt8(ascii: "}") { p += 1; return .object(JSONObject(members)) }
        while true {
            skipSpace()
            guard p < b.count, b[p] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipSpace()
            guard p < b.count, b[p] == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\"") }
            p += 1
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard p < b.count else { throw error("unterminated object") }
            if b[p] == UInt8(ascii: ",") { p += 1; continue }
            if b[p] == UInt8(ascii: "}") { p += 1; return .object(JSONObject(members)) }
            throw error("expected ',' or '}' in object")
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        p += 1
        var items: [JSONValue] = []
        skipSpace()
        if p < b.count, b[p] == UInt8(ascii: "]") { p += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard p < b.count else { throw error("unterminated array") }
            if b[p] == UInt8(ascii: ",") { p += 1; continue }
            if b[p] == UInt8(ascii: "]") { p += 1; return .array(items) }
            throw error("expected ',' or ']' in array")
        }
    }

    mutating func string() throws -> String {
        p += 1
        let start = p
        // Fast path: no escapes.
        p = StringScan.plainEnd(b, from: p)
        if p < b.count, b[p] == UInt8(ascii: "\"") {
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: b[start ..< p]), as: UTF8.self)
            p += 1
            return s
        }
        var out = Array(UnsafeRawBufferPointer(rebasing: b[start ..< p]))
        while true {
            guard p < b.count else { throw error("unterminated string") }
            let c = b[p]
            if c == UInt8(ascii: "\"") { p += 1; break }
            if c < 0x20 { throw error("control character in string") }
            if c != UInt8(ascii: "\\") { out.append(c); p += 1; continue }
            p += 1
            let u = try escapedScalar()
            if u.value < 0x80 { out.append(UInt8(u.value)) } else { out.append(contentsOf: UTF8.encode(u)!) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// After a backslash in a string: the escape's scalar, a surrogate pair
    /// read as one. Shared by `string()` and the NDJSON → BSON transcoder, so
    /// both accept the same escapes with the same errors.
    mutating func escapedScalar() throws -> Unicode.Scalar {
        guard p < b.count else { throw error("unterminated escape") }
        let e = b[p]
        p += 1
        switch e {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800 ..< 0xDC00).contains(scalar) {
                guard p + 1 < b.count, b[p] == UInt8(ascii: "\\"), b[p + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate")
                }
                p += 2
                let low = try hex4()
                guard (0xDC00 ..< 0xE000).contains(low) else { throw error("bad low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let u = Unicode.Scalar(scalar) else { throw error("invalid code point") }
            return u
        default: throw error("invalid escape")
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard p + 4 <= b.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0 ..< 4 {
            let c = b[p]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw error("bad hex digit in \\u escape")
            }
            v = v << 4 | d
            p += 1
        }
        return v
    }

    /// A number as a value (`scanNumber`).
    mutating func number() throws -> JSONValue {
        switch try scanNumber() {
        case let .int(i): return .int(i)
        case let .double(d): return .double(d)
        }
    }

    /// After the parser sits on '-' or a digit: reads a number, accumulating
    /// its digits as it scans. Integers that fit, and decimals on Clinger's
    /// fast path (up to 19 digits, a mantissa below 2^53 and a power of ten
    /// up to 22: both exact doubles, so one multiplication or division
    /// rounds correctly), need no string and no `strtod`; the rest fall back
    /// to them. Shared by the parser and the NDJSON → BSON transcoder, so
    /// both read the same values. The short forms (`shortNumber`) are read
    /// from one word first.
    @inline(__always)
    mutating func scanNumber() throws -> JSONNumber {
        // The caller saw a byte at `p`: the buffer has a base.
        if let (short, end) = Self.shortNumber(b.baseAddress!, at: p, b.count) {
            p = end
            return short
        }
        return try scanGeneralNumber()
    }

    /// `scanNumber` without its one-word path: for a caller that tried
    /// `shortNumber` itself (a number it misses, such as a line's last,
    /// is not tried twice), and the reference the tests hold that path to.
    mutating func scanGeneralNumber() throws -> JSONNumber {
        // Positions stay within the buffer, so they move with wrapping arithmetic.
        let base = b.baseAddress!, n = b.count
        var p = self.p
        let start = p
        let negative = base.load(fromByteOffset: p, as: UInt8.self) == UInt8(ascii: "-")
        if negative { p &+= 1 }
        guard p < n, isDigit(base.load(fromByteOffset: p, as: UInt8.self)) else { self.p = p; throw error("expected a digit") }
        // Wrapping: beyond 19 digits the mantissa is not used.
        var mantissa: UInt64 = 0
        var exponent = 0
        let integerStart = p
        if base.load(fromByteOffset: p, as: UInt8.self) == UInt8(ascii: "0") {
            p &+= 1
        } else {
            while p < n {
                let d = base.load(fromByteOffset: p, as: UInt8.self) &- 48
                guard d < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                p &+= 1
            }
        }
        var digits = p &- integerStart
        var integral = true
        if p < n, base.load(fromByteOffset: p, as: UInt8.self) == UInt8(ascii: ".") {
            integral = false
            p &+= 1
            let fractionStart = p
            while p < n {
                let d = base.load(fromByteOffset: p, as: UInt8.self) &- 48
                guard d < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                p &+= 1
            }
            guard p > fractionStart else { self.p = p; throw error("expected a digit after '.'") }
            exponent = fractionStart &- p
            digits &+= p &- fractionStart
        }
        if p < n, base.load(fromByteOffset: p, as: UInt8.self) | 0x20 == UInt8(ascii: "e") {
            integral = false
            p &+= 1
            var sign = 1
            if p < n, base.load(fromByteOffset: p, as: UInt8.self) == UInt8(ascii: "+") || base.load(fromByteOffset: p, as: UInt8.self) == UInt8(ascii: "-") {
                if base.load(fromByteOffset: p, as: UInt8.self) == UInt8(ascii: "-") { sign = -1 }
                p &+= 1
            }
            guard p < n, isDigit(base.load(fromByteOffset: p, as: UInt8.self)) else { self.p = p; throw error("expected a digit in exponent") }
            var e = 0
            while p < n, isDigit(base.load(fromByteOffset: p, as: UInt8.self)) {
                if e < 100_000 { e = e * 10 + Int(base.load(fromByteOffset: p, as: UInt8.self) &- 48) }
                p &+= 1
            }
            exponent += sign * e
        }
        self.p = p
        // Up to 19 digits (leading zeros included) the mantissa is exact: below 10^19 < 2^64.
        if digits <= 19 {
            if integral {
                if negative, mantissa <= UInt64(Int64.max) + 1 { return .int(Int64(bitPattern: 0 &- mantissa)) }
                if !negative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            } else if mantissa < 1 << 53, exponent >= -22, exponent <= 22 {
                var d = Double(mantissa)
                d = exponent < 0 ? d / JSONParser.powerOfTen(-exponent) : d * JSONParser.powerOfTen(exponent)
                return .double(negative ? -d : d)
            }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: b[start ..< p]), as: UTF8.self)
        if integral, let i = Int64(text) { return .int(i) }
        guard let d = Double(text) else { throw error("number out of range") }
        return .double(d)
    }

    /// The number at `start` of the `n` bytes at `base` (a '-' or a digit
    /// there), when it is of the most common forms, read from one word
    /// (`DigitWord`): up to 7 digits, or a decimal of up to 6 digits around
    /// its '.', followed by a byte other than a digit or an exponent, all
    /// within the 8 bytes from the first digit (which must be readable).
    /// Its value as `scanNumber` gives it (on its fast path: the mantissa
    /// and the power of ten are exact) and where it ends; nil for anything
    /// else, errors included. A pointer and a count, not the parser's
    /// buffer: the transcoder passes its own, without a test of the base for nil.
    @inline(always)
    static func shortNumber(_ base: UnsafeRawPointer, at start: Int, _ n: Int) -> (JSONNumber, end: Int)? {
        guard let (number, end) = shortNumber(at: base + start, end: base + n) else { return nil }
        return (number, base.distance(to: end))
    }

    /// `shortNumber(_:at:_:)` on pointers (the number at `start`, the input
    /// ending at `end`), for the transcoder's member loop, which keeps its
    /// position as a pointer: offsets cost it a subtraction and the count's load.
    @inline(always)
    static func shortNumber(at start: UnsafeRawPointer, end input: UnsafeRawPointer) -> (JSONNumber, end: UnsafeRawPointer)? {
        var p = start
        let negative = p.load(as: UInt8.self) == UInt8(ascii: "-")
        if negative { p += 1 }
        guard p.distance(to: input) >= 8 else { return nil }
        let word = DigitWord(p.loadUnaligned(as: UInt64.self))
        let count = word.run(from: 0)
        // No digit, or perhaps more than the word holds; "0" before another digit is an error `scanNumber` reports.
        guard UInt(bitPattern: count &- 1) < 7, word.digits & 0xFF != 0 || count == 1 else { return nil }
        let next = word.byte(count)
        guard next == UInt8(ascii: ".") else {
            guard next | 0x20 != UInt8(ascii: "e") else { return nil }
            let i = Int64(word.value(count))
            return (.int(negative ? 0 &- i : i), p + count)
        }
        // The fraction's digits, and the byte after them, in the same word.
        let fraction = count < 6 ? word.run(from: count &+ 1) : 0
        let end = count &+ 1 &+ fraction
        guard fraction > 0, end < 8, word.byte(end) | 0x20 != UInt8(ascii: "e") else { return nil }
        let d = Double(word.value(integer: count, fraction: fraction)) / JSONParser.powerOfTen(fraction)
        return (.double(negative ? -d : d), p + end)
    }

    /// 10^e for e in 0 ... 22: every one is exactly representable as a
    /// Double. A switch, which the compiler makes a constant table: a tuple
    /// was copied to the stack on every call.
    @inline(__always)
    static func powerOfTen(_ e: Int) -> Double {
        switch e {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }
}
