import SluiceFormats
import SluiceSDK

extension FileSource {
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
