import Foundation
import SluiceSDK

/// Reads a file (or stdin) line by line in large chunks; in follow mode,
/// waits for more data at the end instead of stopping, like `tail -f`.
///
/// `readPart(_:of:)` narrows it to a byte range of a file: the lines whose
/// first byte lies in the range (`workers: N`).
///
/// Lines are handed out as views into one read-ahead buffer, reused for the
/// whole file: no allocation or UTF-8 check per line. The buffer holds one
/// chunk, or the longest line read so far when that is longer.
final class LineReader {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutableRawBufferPointer
    /// The unreturned bytes are `buffer[start ..< end]`.
    private var start = 0
    private var end = 0
    /// Lines returned so far (1-based number of the last one).
    private(set) var lineNumber = 0
    /// Bytes of the file consumed by the lines returned so far: where the next line starts.
    private(set) var offset: UInt64 = 0
    /// A part's end: a line starting at or after it is the next part's.
    private var limit = UInt64.max
    /// Where this part's first line starts; `lineNumber` counts from there.
    private var partStart: UInt64 = 0
    /// Lines of the file before `partStart`, counted on first use (a message naming a line).
    private var linesBeforePart: Int?
    let isFile: Bool
    /// As given (`-` for stdin).
    let path: String

    static let chunk = 1 << 16

    init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = STDIN_FILENO
            ownsDescriptor = false
            isFile = false
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SluiceError.config("cannot open \(path): \(String(cString: strerror(errno)))") }
            // open(2) succeeds on a directory and read(2) then fails: say so at start, not "read 0" at the end.
            var st = stat()
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw SluiceError.config("\(path) is a directory; file.read reads one file")
            }
            ownsDescriptor = true
            isFile = true
        }
        buffer = .allocate(byteCount: Self.chunk, alignment: 16)
    }

    /// The file's identity and size, to tell a checkpoint of this file from one of a file since replaced.
    func identity() -> (device: UInt64, inode: UInt64, size: UInt64)? {
        var st = stat()
        guard isFile, fstat(fd, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino), UInt64(st.st_size))
    }

    /// This part's bytes of the file; nil for the whole.
    private(set) var part: Range<UInt64>?

    /// Narrows the reader to part `index` of `count` equal byte ranges of
    /// the file as it is now: it starts at the first line beginning in the
    /// range (after the next newline when the range starts mid-line) and
    /// ends after the last line beginning in it, reading past the range's
    /// end to finish that line. The last part reads on to the end of the file.
    func readPart(_ index: Int, of count: Int) {
        guard count > 1, let size = identity()?.size else { return }
        let range = Self.part(index, of: count, size: size)
        let start = range.lowerBound
        part = range
        if index < count - 1 { limit = range.upperBound }
        if start > 0 {
            // The byte before the range says whether a line begins at its start: skip through the first newline from there.
            resume(at: start - 1, line: 0)
            _ = next(final: true)
        }
        partStart = offset
        lineNumber = 0
    }

    /// Bytes [index·size/count, (index + 1)·size/count) of a file of `size` bytes.
    static func part(_ index: Int, of count: Int, size: UInt64) -> Range<UInt64> {
        func boundary(_ i: Int) -> UInt64 { UInt64(count).dividingFullWidth(size.multipliedFullWidth(by: UInt64(i))).quotient }
        return boundary(index) ..< boundary(index + 1)
    }

    /// The file's line number of the last line returned: `lineNumber`
    /// counts from the part's first line, and the lines before it are
    /// counted here, once, only when a message needs them.
    var fileLineNumber: Int {
        guard partStart > 0 else { return lineNumber }
        if linesBeforePart == nil { linesBeforePart = countLines(before: partStart) }
        return lineNumber + (linesBeforePart ?? 0)
    }

    private func countLines(before end: UInt64) -> Int {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        var lines = 0
        var at: UInt64 = 0
        while at < end {
            let n = pread(fd, chunk.baseAddress!, Int(min(UInt64(chunk.count), end - at)), off_t(at))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            var p = chunk.baseAddress!
            let stop = p + n
            while p < stop, let nl = memchr(p, 0x0A, stop - p) {
                lines += 1
                p = nl + 1
            }
            at += UInt64(n)
        }
        return lines
    }

    /// Continues at byte `offset`, the start of line `line + 1`.
    func resume(at offset: UInt64, line: Int) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { return }
        start = 0
        end = 0
        self.offset = offset
        lineNumber = line
    }

    deinit {
        if ownsDescriptor { close(fd) }
        buffer.deallocate()
    }

    /// The next complete line without its newline, valid until the next call;
    /// nil when no full line is buffered and the file has no more data now.
    /// A last line without a newline is returned once the end is reached and
    /// `final` is true. nil too once the next line is the next part's.
    func next(final: Bool) -> UnsafeRawBufferPointer? {
        if offset >= limit { return nil }
        // Bytes after `start` already searched for a newline; kept across refills, which move `start`.
        var searched = 0
        while true {
            // Positions within the buffer, and counts of its bytes: wrapping
            // arithmetic, without an overflow or range test per line.
            let base = buffer.baseAddress!
            let from = start &+ searched
            if end > from, let nl = memchr(base + from, 0x0A, end &- from) {
                let at = base.distance(to: nl)
                var line = UnsafeRawBufferPointer(start: base + start, count: at &- start)
                if offset == 0 { line = Self.droppingByteOrderMark(line) }
                offset &+= UInt64(truncatingIfNeeded: at &+ 1 &- start)
                start = at &+ 1
                lineNumber &+= 1
                return line
            }
            searched = end - start
            if !refill() {
                guard final, end > start else { return nil }
                var line = UnsafeRawBufferPointer(rebasing: buffer[start ..< end])
                if offset == 0 { line = Self.droppingByteOrderMark(line) }
                offset += UInt64(end - start)
                start = end
                lineNumber += 1
                return line
            }
        }
    }

    /// The buffered bytes from the next line's start on, for a caller that
    /// finds where the line ends itself (`take(lineOf:)`); nil where `next`
    /// must read the line: nothing buffered, the file's first line (which
    /// may start with a byte order mark), or the part's end reached. Valid
    /// until the next `next` or `take`.
    func buffered() -> UnsafeRawBufferPointer? {
        guard offset > 0, offset < limit, end > start else { return nil }
        return UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: end &- start)
    }

    /// Counts the line at the start of `buffered()` returned: it has `length` bytes, then a newline.
    func take(lineOf length: Int) {
        offset &+= UInt64(truncatingIfNeeded: length &+ 1)
        start &+= length &+ 1
        lineNumber &+= 1
    }

    /// The file's first line without a UTF-8 byte order mark (EF BB BF),
    /// which editors and spreadsheet exports put before the text: kept, it
    /// made the first NDJSON line invalid and the first CSV header name wrong.
    private static func droppingByteOrderMark(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        line.starts(with: [0xEF, 0xBB, 0xBF]) ? UnsafeRawBufferPointer(rebasing: line[3...]) : line
    }

    /// Reads more after the buffered bytes, first moving them to the front
    /// (growing the buffer only for a line longer than it); false at the end of the data for now.
    private func refill() -> Bool {
        if start > 0 {
            if end > start { memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start) }
            end -= start
            start = 0
        }
        if end == buffer.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0 ..< end]))
            buffer.deallocate()
            buffer = grown
        }
        while true {
            let n = read(fd, buffer.baseAddress! + end, buffer.count - end)
            if n > 0 {
                end += n
                return true
            }
            if n < 0, errno == EINTR { continue }
            return false
        }
    }
}
