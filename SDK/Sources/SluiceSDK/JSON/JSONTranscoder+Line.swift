#if canImport(Glibc)
import Glibc
#endif

extension JSONTranscoder {
    /// The output room `recalledMembers` needs for `rest` bytes of input
    /// left to test for room once per line, not once per member: always
    /// free in place, where `lineWindow` bounds `rest`.
    /// No member it writes grows by more than half: `"":1.5,` grows the
    /// most (7 bytes in, 10 out: the key's quotes and colon become its NUL,
    /// a short decimal takes 8 bytes); a string grows by 3 (its length and
    /// NUL for its quotes) from at least 6 bytes in. A last member without
    /// its comma may add a byte more, and the words a member's copies
    /// store past its own bytes stay within the input left from where it
    /// began, plus 8.
    @inline(__always)
    static func recalledRoom(_ rest: Int) -> Int { rest &+ rest &>> 1 &+ 64 }
}

/// What `BSONFromJSON.withLine(in:memory:_:)` made of the line at the start of its text.
public enum LineInPlace: Equatable, Sendable {
    /// Read: the line's length, without its line feed.
    case read(Int)
    /// Not read: a key is not the one the memory holds at its place, or the
    /// line has more members than it holds. The line's shape changed.
    case otherShape
    /// Not read: no line feed in the first `lineWindow` bytes, all buffered.
    case tooLong
    /// Not read, for a reason of this line alone: a value `withLine` does not
    /// read itself (an escape, a byte at or above 0x80, nesting, a long
    /// number), a line that is not an object, an error, or the buffered
    /// bytes' end before the line feed.
    case otherLine
}

extension BSONFromJSON {
    /// How far `withLine(in:memory:_:)` looks for a line's end: a line (with
    /// its line feed) longer than this is never read in place. The room
    /// `recalledRoom` gives it, after the document's length, fits the stack.
    public static var lineWindow: Int { (JSONTranscoder.stackBytes - 64 - 4) / 3 * 2 }

    /// The document of the NDJSON line at the start of `text` (a reader's
    /// buffered bytes, which go on past the line) and the object's text
    /// (`JSONSourceText.object(in:)` of the line), valid during `body`;
    /// returns the line's length, without its line feed. Only for an ASCII
    /// line of the shape `memory` holds (the last line's keys, in order,
    /// with plain strings, short numbers, literals or compact `$date`s), or
    /// `{}`, ended by a line feed within `lineWindow`: no separate search for
    /// the line feed. None of those members can hold a line feed, so the line
    /// is the one a search for the line feed finds, and its document the one
    /// `withDocument(json:ascii:memory:)` gives for it.
    ///
    /// Any other line is not read, `body` not called, and the result says
    /// why (errors included): find its end and read it with
    /// `withDocument(json:ascii:memory:)`, which gives the same document, or the error.
    /// `text` need not be valid UTF-8: a byte at or above 0x80 is never read here.
    public static func withLine(in text: UnsafeRawBufferPointer, memory: JSONLineMemory,
                                _ body: (_ document: UnsafeRawBufferPointer, _ object: UnsafeRawBufferPointer) -> Void) -> LineInPlace {
        guard let base = text.baseAddress, text.count > 1, base.load(as: UInt8.self) == UInt8(ascii: "{") else { return .otherLine }
        // `recalledMembers` reserves room for all it is given: the window's.
        let bytes = UnsafeRawBufferPointer(start: base, count: min(text.count, lineWindow))
        return withUnsafeTemporaryAllocation(byteCount: JSONTranscoder.stackBytes, alignment: 8) { stack in
            var t = JSONTranscoder(parser: JSONParser(b: bytes), out: ScratchBytes(stack), ascii: true, memory: memory.state, base: base, n: bytes.count)
            defer { t.out.release() }
            t.inPlace = true
            t.out.append(littleEndian: Int32(0))
            let stop: JSONTranscoder.RecalledStop?
            if t.at(1) == UInt8(ascii: "}") {
                t.parser.p = 2
                stop = .closed
            } else {
                t.parser.p = 1
                stop = try? t.recalledMembers(depth: 1)
            }
            if case .closed? = stop {
                let object = t.parser.p
                var p = object
                while p < t.n, case let c = t.at(p), c == 0x20 || c == 0x09 || c == 0x0D { p &+= 1 }
                if p < t.n, t.at(p) == 0x0A {
                    t.out.append(0)
                    t.out.set(int32: Int32(truncatingIfNeeded: t.out.count), at: 0)
                    body(t.out.bytes, UnsafeRawBufferPointer(start: base, count: object))
                    return .read(p)
                }
            }
            // Not read (rarely): whether the line feed is in the window tells a long line from a value it does not read.
            guard memchr(base, 0x0A, bytes.count) != nil else { return text.count >= lineWindow ? .tooLong : .otherLine }
            if case .notRemembered? = stop { return .otherShape }
            return .otherLine
        }
    }
}
