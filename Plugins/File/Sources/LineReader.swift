import Foundation
import SluiceSDK

/// Reads a file (or stdin) line by line in large chunks; in follow mode,
/// waits for more data at the end instead of stopping, like `tail -f`.
final class LineReader {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private(set) var atEOF = false
    /// Lines returned so far (1-based number of the last one).
    private(set) var lineNumber = 0
    /// Bytes of the file consumed by the lines returned so far: where the next line starts.
    private(set) var offset: UInt64 = 0
    let isFile: Bool

    init(path: String) throws {
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
        buffer.reserveCapacity(1 << 16)
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
        buffer.removeAll(keepingCapacity: true)
        start = 0
        atEOF = false
        self.offset = offset
        lineNumber = line
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The next complete line without its newline; nil when no full line is
    /// buffered and the file has no more data now. A last line without a
    /// newline is returned once the end is reached and `final` is true.
    func next(final: Bool) -> String? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[start ..< nl], as: UTF8.self)
                offset += UInt64(nl + 1 - start)
                start = nl + 1
                lineNumber += 1
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                atEOF = false
                buffer.append(contentsOf: chunk[0 ..< n])
                continue
            }
            atEOF = true
            if final, !buffer.isEmpty {
                let line = String(decoding: buffer, as: UTF8.self)
                offset += UInt64(buffer.count)
                buffer.removeAll()
                lineNumber += 1
                return line
            }
            return nil
        }
    }
}
