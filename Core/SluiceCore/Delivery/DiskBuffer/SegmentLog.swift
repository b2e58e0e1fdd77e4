import Foundation

/// A disk buffer's files in its folder: numbered segments (`00000000000000000001.log`)
/// holding `BufferFrame`s back to back, and `cursor`, the first frame the
/// sink has not written yet (segment number and offset).
///
/// An append is fsync'd before it returns, so a frame that was appended
/// survives a crash. A crash during an append leaves a torn frame at the
/// end of the last segment, which its checksum exposes; reopening cuts it
/// off (its source was never acknowledged, so it is read again). A segment
/// is deleted once the cursor has passed it. Not thread-safe: `DurableQueue`
/// serialises the two threads that use it.
final class SegmentLog {
    struct Position: Equatable {
        var segment: UInt64
        var offset: Int
    }

    /// What reopening found.
    struct Recovery: Equatable {
        /// Frames appended by an earlier run and not yet written by the sink.
        var frames = 0
        var bytes = 0
        /// A torn frame cut off the end of the last segment (a crash during an append).
        var tornBytes = 0
        /// Segments whose rest was unreadable in the middle of the log (disk
        /// corruption, not a crash): what was lost, for an error line.
        var corrupted: [String] = []
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let directory: String
    private let segmentBytes: Int
    /// Live segments, ascending: the cursor's first, the one appended to last.
    private var segments: [(id: UInt64, size: Int)] = []
    private var appendFD: Int32 = -1
    /// The cursor's segment, kept open between reads: the sink thread reads
    /// one frame per batch, and reopening the file for each cost two syscalls.
    private var reader: (segment: UInt64, fd: Int32)?
    private(set) var cursor = Position(segment: 1, offset: 0)
    private(set) var recovery = Recovery()

    /// Opens (creating it if needed) the log in `directory`, recovering what
    /// an earlier run left. A new segment starts once the last reaches `segmentBytes`.
    init(directory: String, segmentBytes: Int) throws {
        self.directory = directory
        self.segmentBytes = max(segmentBytes, 4096)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create the disk buffer folder \(directory): \(error.localizedDescription)")
        }
        let ids = try FileManager.default.contentsOfDirectory(atPath: directory)
            .compactMap { $0.hasSuffix(".log") ? UInt64($0.dropLast(4)) : nil }.sorted()
        if let saved = readCursor(), ids.contains(saved.segment) { cursor = saved } else { cursor = Position(segment: ids.first ?? 1, offset: 0) }
        for id in ids where id < cursor.segment { unlink(path(id)) }
        for id in ids where id >= cursor.segment {
            let size = try recover(id, from: id == cursor.segment ? cursor.offset : 0, isLast: id == ids.last)
            segments.append((id, size))
        }
        if segments.isEmpty { try startSegment(cursor.segment) } else { try openForAppend(segments.last!.id) }
    }

    deinit {
        if appendFD >= 0 { close(appendFD) }
        if let reader { close(reader.fd) }
    }

    /// Bytes appended and not yet passed by the cursor.
    var pendingBytes: Int { segments.reduce(0) { $0 + $1.size } - cursor.offset }

    /// Appends one frame and makes it durable.
    func append(_ frame: [UInt8]) throws {
        if segments.last!.size >= segmentBytes { try startSegment(segments.last!.id + 1) }
        guard ByteIO.writeAll(appendFD, frame) else { throw failure("cannot append to", segments.last!.id) }
        guard fsync(appendFD) == 0 else { throw failure("cannot fsync", segments.last!.id) }
        segments[segments.count - 1].size += frame.count
    }

    /// The frame at the cursor and the position after it, or nil when every
    /// appended frame is past the cursor.
    func readFrame() throws -> (records: RecordBuffer, port: Int, next: Position)? {
        while cursor.offset >= segments[0].size {
            guard segments.count > 1 else { return nil }
            unlink(path(segments[0].id))
            segments.removeFirst()
            cursor = Position(segment: segments[0].id, offset: 0)
        }
        let fd = try readDescriptor(cursor.segment)
        guard let (records, port, length) = try frame(fd, at: cursor.offset, limit: segments[0].size) else {
            throw Failure(description: "disk buffer segment \(path(cursor.segment)) is corrupt at offset \(cursor.offset)")
        }
        return (records, port, Position(segment: cursor.segment, offset: cursor.offset + length))
    }

    /// Moves the cursor past frames the sink has written, durably.
    func advance(to position: Position) throws {
        cursor = position
        let text = "\(position.segment) \(position.offset)\n"
        let tmp = directory + "/cursor.tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot write \(tmp): \(String(cString: strerror(errno)))") }
        let ok = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count - 1) == $0.count - 1 } && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, directory + "/cursor") == 0 else {
            throw Failure(description: "cannot write \(directory)/cursor: \(String(cString: strerror(errno)))")
        }
    }

    private func readDescriptor(_ segment: UInt64) throws -> Int32 {
        if let reader, reader.segment == segment { return reader.fd }
        if let reader { close(reader.fd) }
        reader = nil
        let fd = open(path(segment), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", segment) }
        reader = (segment, fd)
        return fd
    }

    private func path(_ id: UInt64) -> String {
        let digits = String(id)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    private func failure(_ what: String, _ id: UInt64) -> Failure {
        Failure(description: "\(what) disk buffer segment \(path(id)): \(String(cString: strerror(errno)))")
    }

    private func readCursor() -> Position? {
        guard let text = try? String(contentsOfFile: directory + "/cursor", encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let segment = UInt64(parts[0]), let offset = Int(parts[1]) else { return nil }
        return Position(segment: segment, offset: offset)
    }

    /// Checks every frame of segment `id` from `offset`, cutting the segment
    /// at the first that does not read back whole. Returns its size.
    private func recover(_ id: UInt64, from offset: Int, isLast: Bool) throws -> Int {
        let fd = open(path(id), O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", id) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw failure("cannot stat", id) }
        let size = Int(st.st_size)
        var at = min(offset, size)
        while at < size, let (_, _, length) = try frame(fd, at: at, limit: size) {
            recovery.frames += 1
            recovery.bytes += length
            at += length
        }
        if at < size {
            if isLast {
                recovery.tornBytes += size - at
            } else {
                recovery.corrupted.append("\(path(id)): \(size - at) bytes unreadable from offset \(at)")
            }
            guard ftruncate(fd, off_t(at)) == 0, fsync(fd) == 0 else { throw failure("cannot cut the torn end of", id) }
        }
        return at
    }

    /// The frame at `offset` of an open segment, its input port and length, or nil if
    /// what is there is not a whole, intact frame.
    private func frame(_ fd: Int32, at offset: Int, limit: Int) throws -> (RecordBuffer, Int, Int)? {
        var head = [UInt8](repeating: 0, count: BufferFrame.headerSize)
        guard limit - offset >= head.count, try readFully(fd, &head, at: offset),
              let header = head.withUnsafeBytes(BufferFrame.header),
              offset + head.count + header.payloadLength <= limit
        else { return nil }
        var payload = [UInt8](repeating: 0, count: header.payloadLength)
        guard try readFully(fd, &payload, at: offset + head.count),
              let (records, port) = payload.withUnsafeBytes({ BufferFrame.decode($0, header: header) })
        else { return nil }
        return (records, port, head.count + header.payloadLength)
    }

    private func readFully(_ fd: Int32, _ buffer: inout [UInt8], at offset: Int) throws -> Bool {
        try buffer.withUnsafeMutableBytes { b in
            var done = 0
            while done < b.count {
                let n = pread(fd, b.baseAddress! + done, b.count - done, off_t(offset + done))
                if n < 0, errno == EINTR { continue }
                if n < 0 { throw Failure(description: "cannot read the disk buffer: \(String(cString: strerror(errno)))") }
                if n == 0 { return false }
                done += n
            }
            return true
        }
    }

    private func startSegment(_ id: UInt64) throws {
        let fd = open(path(id), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create", id) }
        // The new file's name must be durable before a frame in it is acknowledged.
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
        if appendFD >= 0 { close(appendFD) }
        appendFD = fd
        segments.append((id, 0))
    }

    private func openForAppend(_ id: UInt64) throws {
        appendFD = open(path(id), O_WRONLY | O_APPEND | O_CLOEXEC)
        guard appendFD >= 0 else { throw failure("cannot open", id) }
    }
}
