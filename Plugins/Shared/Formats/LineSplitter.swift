import Glibc

/// Cuts a byte stream into lines as it arrives: each line is handed over as
/// soon as its `\n` is in, so only one unfinished line is ever held, never
/// the stream. The line excludes its `\n` (a `\r` before it is kept: the
/// decoder decides what a line end is). A value type without I/O.
public struct LineSplitter: Sendable {
    /// A line longer than `maxLineBytes` (its `\n` not counted).
    public struct LineTooLong: Error, Equatable {
        /// Its 1-based number.
        public let line: Int
    }

    /// The longest line held; longer ones end the stream with `LineTooLong`.
    public let maxLineBytes: Int
    /// The unfinished line's bytes from earlier chunks.
    private var pending: [UInt8] = []
    /// Lines handed over so far.
    public private(set) var lines = 0

    public init(maxLineBytes: Int = .max) {
        self.maxLineBytes = maxLineBytes
    }

    /// Bytes held for a line that has not ended yet.
    public var bufferedBytes: Int { pending.count }

    /// Feeds the next bytes; `line` gets each completed line (valid only
    /// during the call) with its 1-based number.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ line: (UnsafeRawBufferPointer, _ number: Int) throws -> Void) throws {
        guard let base = chunk.baseAddress else { return }
        var start = 0
        while start < chunk.count {
            // memchr: the generic `firstIndex(of:)` on a slice cost ~16 instructions a byte.
            guard let found = memchr(base + start, 0x0A, chunk.count - start) else { break }
            let end = base.distance(to: UnsafeRawPointer(found))
            let piece = UnsafeRawBufferPointer(rebasing: chunk[start ..< end])
            guard pending.count + piece.count <= maxLineBytes else { throw LineTooLong(line: lines + 1) }
            lines += 1
            if pending.isEmpty {
                try line(piece, lines)
            } else {
                pending.append(contentsOf: piece)
                try pending.withUnsafeBytes { try line($0, lines) }
                // A huge line's buffer is not kept for the short lines after it.
                pending.removeAll(keepingCapacity: pending.count <= 1 << 16)
            }
            start = end + 1
        }
        guard start < chunk.count else { return }
        guard pending.count + chunk.count - start <= maxLineBytes else { throw LineTooLong(line: lines + 1) }
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
    }

    /// The stream ended: hands over a last line that had no `\n`.
    public mutating func finish(_ line: (UnsafeRawBufferPointer, _ number: Int) throws -> Void) rethrows {
        guard !pending.isEmpty else { return }
        lines += 1
        try pending.withUnsafeBytes { try line($0, lines) }
        pending = []
    }
}
