import Foundation
import SluiceSDK

/// Reads a file (or stdin) line by line in large chunks; in follow mode,
/// waits for more data at the end instead of stopping, like `tail -f`.
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
    private(set) var atEOF = false
    /// Lines returned so far (1-based number of the last one).
    private(set) var lineNumber = 0
    /// Bytes of the file consumed by the lines returned so far: where the next line starts.
    private(set) var offset: UInt64 = 0
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

    /// Continues at byte `offset`, the start of line `line + 1`.
    func resume(at offset: UInt64, line: Int) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { return }
        start = 0
        end = 0
        atEOF = false
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
    /// `final` is true.
    func next(final: Bool) -> UnsafeRawBufferPointer? {
        // Bytes after `start` already searched for a newline; kept across refills, which move `start`.
        var searched = 0
        while true {
            let from = start + searched
            if end > from, let nl = memchr(buffer.baseAddress! + from, 0x0A, end - from) {
                let at = buffer.baseAddress!.distance(to: nl)
                let line = UnsafeRawBufferPointer(rebasing: buffer[start ..< at])
                offset += UInt64(at + 1 - start)
                start = at + 1
                lineNumber += 1
                return line
            }
            searched = end - start
            if !refill() {
                atEOF = true
                guard final, end > start else { return nil }
                let line = UnsafeRawBufferPointer(rebasing: buffer[start ..< end])
                offset += UInt64(end - start)
                start = end
                lineNumber += 1
                return line
            }
        }
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
                atEOF = false
                return true
            }
            if n < 0, errno == EINTR { continue }
            return false
        }
    }
}
