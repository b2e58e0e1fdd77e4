import SluiceFormats
import SluiceSDK

extension FileSource {
    /// Applies `utf8:` to a line before it is decoded: a rejected line is
    /// dead-lettered with its line and byte, a repaired one decoded as repaired.
    /// ASCII lines (most) are not parsed.
    func decodeUTF8(_ line: UnsafeRawBufferPointer, _ output: Output, token: UInt64, _ writer: inout BSONWriter) -> Outcome {
        if UTF8Check.isASCII(line) { return decode(line, output, token: token, &writer) }
        switch utf8.check(line, place: "line \(reader.lineNumber)") {
        case .valid:
            return decode(line, output, token: token, &writer)
        case let .repaired(fixed):
            return fixed.withUnsafeBytes { decode($0, output, token: token, &writer) }
        case let .invalid(at):
            writer.reset()
            return emitUndecodable(String(decoding: line, as: UTF8.self), "line \(reader.lineNumber): \(UTF8Gate.reason(byte: at))", output, token, &writer)
        }
    }
}
