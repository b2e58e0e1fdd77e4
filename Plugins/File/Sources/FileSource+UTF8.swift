import SluiceFormats
import SluiceSDK

extension FileSource {
    /// Emits the next NDJSON line where it lies in the reader's buffer, when
    /// the transcoder can find its end as it reads it (`BSONFromJSON.withLine`:
    /// an ASCII line of the last line's shape), without the search for the
    /// line feed `reader.next` makes; false for any other line, which
    /// `reader.next` and `decodeUTF8` then read.
    ///
    /// A line it gives up on is read again by the general path, and what
    /// it read of that line is wasted: after an object that the buffer's
    /// end did not cut short, the next `inPlacePause` lines, likely of the
    /// same shape, are not tried. (A blank line costs the test of its first byte.)
    @inline(__always)
    func decodeInPlace(_ output: Output) -> Bool {
        if linesBeforeInPlace > 0 {
            linesBeforeInPlace &-= 1
            return false
        }
        guard let text = reader.buffered() else { return false }
        let token = UInt64(reader.lineNumber &+ 1)
        guard let length = BSONFromJSON.withLine(in: text, ascii: true, memory: lineMemory, { document, object in
            emit(document, output, token: token, text: object)
        }) else {
            if text.count >= BSONFromJSON.lineWindow, text.first == UInt8(ascii: "{") { linesBeforeInPlace = Self.inPlacePause }
            return false
        }
        reader.take(lineOf: length)
        return true
    }

    /// At most one line in 256 of a shape `withLine` does not take is read twice, in part.
    private static let inPlacePause = 255

    /// Applies `utf8:` to a line before it is decoded: a rejected line is
    /// dead-lettered with its line and byte, a repaired one decoded as repaired.
    /// ASCII lines (most) are not parsed: NDJSON lines are transcoded at
    /// once, the transcoder giving up at the first string byte at or above
    /// 0x80; other lines are checked eight bytes at a time. An NDJSON record
    /// carries its line as its JSON text unless the line was repaired.
    func decodeUTF8(_ line: UnsafeRawBufferPointer, _ output: Output, token: UInt64, _ writer: inout BSONWriter) -> Outcome {
        if format == .ndjson {
            do {
                try BSONFromJSON.withDocument(json: line, ascii: true, memory: lineMemory) {
                    emit($0, output, token: token, text: JSONSourceText.object(in: line))
                }
                return .emitted
            } catch is NonASCIIText {
                // Checked and decoded below, as any non-ASCII line.
            } catch {
                // A byte at or above 0x80 outside a string is a JSON error, but the UTF-8 check speaks first.
                if UTF8Check.isASCII(line) { return decode(line, output, token: token, &writer) }
            }
        } else if UTF8Check.isASCII(line) {
            return decode(line, output, token: token, &writer)
        }
        switch utf8.check(line, place: "line \(reader.fileLineNumber)") {
        case .valid:
            return decode(line, output, token: token, &writer)
        case let .repaired(fixed):
            // The document holds U+FFFD where the line has bad bytes: the line is not its text.
            return fixed.withUnsafeBytes { decode($0, output, token: token, &writer, faithful: false) }
        case let .invalid(at):
            writer.reset()
            return emitUndecodable(String(decoding: line, as: UTF8.self), "line \(reader.fileLineNumber): \(UTF8Gate.reason(byte: at))", output, token, &writer)
        }
    }
}
