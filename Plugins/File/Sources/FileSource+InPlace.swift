import SluiceSDK

extension FileSource {
    /// Emits the next NDJSON line where it lies in the reader's buffer, when
    /// the transcoder can find its end as it reads it (`BSONFromJSON.withLine`:
    /// an ASCII line of the last line's shape), without the search for the
    /// line feed `reader.next` makes; false for any other line, which
    /// `reader.next` and `decodeUTF8` then read.
    ///
    /// A line it gives up on is read again by the general path, and what
    /// it read of that line is wasted. After a line of another shape, or
    /// longer than the window, the next `inPlacePause` lines, likely alike,
    /// are not tried. A line it gives up on for a reason of its own (an
    /// escape, say) says little about the next: it pauses for 0, 1, 3, …
    /// lines on such misses in a row, up to `inPlacePause`, and from 0 again
    /// after a line read. (A blank line costs the test of its first byte.)
    @inline(__always)
    func decodeInPlace(_ output: Output) -> Bool {
        if linesBeforeInPlace > 0 {
            linesBeforeInPlace &-= 1
            return false
        }
        guard let text = reader.buffered() else { return false }
        let token = UInt64(reader.lineNumber &+ 1)
        switch BSONFromJSON.withLine(in: text, memory: lineMemory, { document, object in
            emit(document, output, token: token, text: object)
        }) {
        case let .read(length):
            reader.take(lineOf: length)
            nextInPlacePause = 0
            #if DEBUG
                linesReadInPlace &+= 1
            #endif
            return true
        case .otherShape, .tooLong:
            linesBeforeInPlace = Self.inPlacePause
        case .otherLine:
            linesBeforeInPlace = nextInPlacePause
            nextInPlacePause = min(nextInPlacePause &* 2 &+ 1, Self.inPlacePause)
        }
        return false
    }

    /// At most one line in 256 of a shape `withLine` does not take is read twice, in part.
    static let inPlacePause = 255
}
