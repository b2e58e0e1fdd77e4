import Foundation
import SluiceFormats
import SluiceSDK

/// `file.write`: records as JSON lines, CSV or text, to a file or stdout.
///
/// A batch is written with one write(2) call; `fsync: true` makes flush
/// durable against power loss, not just a crash of the process.
///
/// ndjson: a record that still has the JSON text its source read (ABI 1.6,
/// `Batch.jsonText`: no processor changed it) is written as that text, which
/// decodes to the same document, instead of encoding the document again;
/// `normalize: true` encodes every record.
public final class FileSink: Sink {
    public static let name = "write"
    public static let summary = "Writes JSON lines, CSV or text lines to a file or stdout"
    public static let readsText = true
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false, "required": ["path"],
     "properties": {
       "path": {"type": "string", "format": "path", "description": "file to write, - for stdout, /dev/null to discard; relative to the manifest"},
       "format": {"enum": ["ndjson", "csv", "lines"], "description": "how to encode records; default from the path's extension, in any case: .csv or .tsv csv, .txt or .log lines, anything else ndjson"},
       "append": {"type": "boolean", "description": "append instead of truncating (default true); false empties the file at the start of every run, also one that resumes a source from its checkpoint, whose earlier records are then no longer in the file"},
       "columns": {"type": "array", "items": {"type": "string"}, "description": "csv: columns in order (default: the first record's fields)"},
       "separator": {"type": "string", "minLength": 1, "maxLength": 1, "description": "csv: the character between fields (default: a tab for a .tsv path, else ,)"},
       "field": {"type": "string", "description": "lines format: the field to write, one line per record (default line): a string as it is, any other value as its JSON; a record without the field, or with null in it, is dead-lettered"},
       "fsync": {"type": "boolean", "description": "default false; true: fsync the file whenever the sink goes idle and at the end of the run. Records are acknowledged once written to the file, before that fsync: a crash of sluice loses none, a power loss may lose the last ones"},
       "normalize": {"type": "boolean", "default": false, "description": "ndjson: true writes every record as its document encoded again (compact Extended JSON, one spelling for the same data); false writes a record that a source read as JSON (file.read, kafka.read) and no processor changed as the text it was read from, without encoding it"}
     }}
    """#

    let format: FileFormat
    let fd: Int32
    let ownsDescriptor: Bool
    let field: String
    /// csv: between cells.
    let separator: Character
    let fsyncOnFlush: Bool
    /// ndjson: encode every record, even one that has its source's text.
    let normalize: Bool
    var columns: [String]?
    var wroteHeader = false
    /// csv and lines formats.
    var json = JSONWriter(capacity: 1 << 16)
    /// ndjson: each record written in place, the batch handed to write(2) from here.
    var lines = JSONLines(capacity: 1 << 16)
    /// Where the file ends, while this sink is its only writer (one worker,
    /// a regular file it opened): a batch cut short by a full disk is cut
    /// off there, so its retry does not write its first records twice.
    /// nil when unknown (several workers append to one file, or stdout).
    var end: off_t?

    public required init(config: Config, host: PluginHost) throws {
        let path = try config.requiredString("path")
        format = try FileFormat.configured(config, path: path)
        field = try config.string("field", default: "line")
        separator = try FileFormat.separator(config, path: path)
        fsyncOnFlush = try config.bool("fsync", default: false)
        normalize = try config.bool("normalize", default: false)
        columns = try config.strings("columns")
        if path == "-" {
            fd = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            let append = try config.bool("append", default: true)
            // Like `mkdir -p`: a manifest naming out/x.ndjson works from a fresh checkout.
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            // Always O_APPEND: the workers of one sink (`workers: N`) each open
            // the file, and each batch's single write(2) then lands whole at the end.
            fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_APPEND | (append ? 0 : O_TRUNC), 0o644)
            guard fd >= 0 else { throw SluiceError.config("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
            ownsDescriptor = true
            if append, let torn = Self.trimTornLastLine(fd, path: path), torn > 0 {
                host.log(.warning, "\(path) ended in a line cut short (\(torn) bytes, a crash mid-write); removed it: its record was never acked, so it is written again")
            }
            var st = stat()
            let known = fstat(fd, &st) == 0
            wroteHeader = known && st.st_size > 0
            if known, (st.st_mode & S_IFMT) == S_IFREG, host.workerCount == 1 { end = st.st_size }
        }
    }

    /// Cuts a regular file back to its last newline; returns how many bytes
    /// went (nil when it is not a regular file). A record is acked only after
    /// its whole line is written, so a partial last line is one that will be
    /// written again, and left in place it would join the next line.
    static func trimTornLastLine(_ fd: Int32, path: String) -> Int? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        // The sink's descriptor is write-only: read through one of our own.
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return nil }
        defer { close(reader) }
        let size = Int(st.st_size)
        var end = size
        var chunk = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let start = max(0, end - chunk.count)
            let n = chunk.withUnsafeMutableBytes { pread(reader, $0.baseAddress, end - start, off_t(start)) }
            guard n == end - start else { return nil }
            if let nl = chunk[0 ..< n].lastIndex(of: 0x0A) {
                end = start + nl + 1
                break
            }
            end = start
        }
        guard end < size, ftruncate(fd, off_t(end)) == 0 else { return 0 }
        return size - end
    }

    /// The file must be creatable: its nearest existing ancestor a
    /// directory this process can write into, and the path itself not a directory.
    public static func check(config: Config, host: PluginHost) throws {
        let path = try config.requiredString("path")
        guard path != "-" else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw SluiceError.config("path: \(path) is a directory; file.write writes one file") }
            guard access(path, W_OK) == 0 else { throw SluiceError.config("path: cannot write \(path): \(String(cString: strerror(errno)))") }
            return
        }
        var ancestor = (path as NSString).deletingLastPathComponent
        while !ancestor.isEmpty, !FileManager.default.fileExists(atPath: ancestor) {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        let dir = ancestor.isEmpty ? "." : ancestor
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SluiceError.config("path: cannot create \(path): \(dir) is not a directory")
        }
        guard access(dir, W_OK | X_OK) == 0 else {
            throw SluiceError.config("path: cannot create \(path): \(dir) is not writable")
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        switch format {
        case .ndjson:
            // Records that are still the lines their source read, as the host keeps them: written
            // from there, with no copy of each line (its memmove was ~3% of a file-to-file run's CPU).
            if !normalize, let text = batch.jsonLines() {
                try writeAll(text)
                return
            }
            // One access to the stored buffer for the whole batch: each access to a class's
            // stored `var` is a dynamic exclusivity check, which per record cost more than the newline.
            Self.writeLines(batch, into: &lines, normalize: normalize)
            try lines.withUnsafeBytes { try writeAll($0) }
        case .lines:
            json.reset()
            for record in batch {
                // An empty line for a record without the field would look like a record written.
                let found = record.document[field]
                guard let value = found, value.type != .null else {
                    output.fail(record.index, found == nil ? "no field \(field.debugDescription)" : "field \(field.debugDescription) is null")
                    continue
                }
                json.appendRaw(value.string ?? JSONWriter.string(value.jsonValue))
                json.newline()
            }
            try json.bytes.withUnsafeBytes { try writeAll($0) }
        case .csv:
            json.reset()
            for record in batch { writeCSV(record.document) }
            try json.bytes.withUnsafeBytes { try writeAll($0) }
        }
    }

    private static func writeLines(_ batch: Batch, into lines: inout JSONLines, normalize: Bool) {
        lines.reset()
        for record in batch {
            if !normalize, let text = batch.jsonText(record) {
                lines.appendLine(text: text)
            } else {
                lines.appendLine(record.document)
            }
        }
    }

    private func writeCSV(_ doc: BSONDocument) {
        let cols = columns ?? doc.elements.map(\.key)
        columns = cols
        if !wroteHeader {
            json.appendRaw(cols.map { CSV.escape($0, separator: separator) }.joined(separator: String(separator)))
            json.newline()
            wroteHeader = true
        }
        let cells = cols.map { name -> String in
            guard let e = doc[name] else { return "" }
            switch e.type {
            case .string: return CSV.escape(e.string!, separator: separator)
            case .null: return ""
            case .datetime: return ISO8601.format(milliseconds: e.datetime!)
            default: return CSV.escape(JSONWriter.string(e.jsonValue), separator: separator)
            }
        }
        json.appendRaw(cells.joined(separator: String(separator)))
        json.newline()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try Self.writeAll(fd, bytes, end: &end) { Foundation.write($0, $1, $2) }
        } catch {
            // Cut back to an empty file, it lost the header: the retry writes it again.
            if end == 0 { wroteHeader = false }
            throw error
        }
    }

    /// Writes `bytes` whole with `write` (write(2); a test's stand-in),
    /// moving `end` past them. A full disk is retriable: when part of the
    /// batch was written and `end` is known, the file is cut back to `end`
    /// first (no torn line, no record written twice by the retry).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, end: inout off_t?,
                         write: (Int32, UnsafeRawPointer, Int) -> Int) throws
    {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                let reason = String(cString: strerror(code))
                // A full disk may clear; a bad descriptor will not.
                if code == ENOSPC || code == EAGAIN {
                    if offset > 0, let start = end, ftruncate(fd, start) != 0 { end = start + off_t(offset) }
                    throw SluiceError.retriable("write failed: \(reason)")
                }
                end = end.map { $0 + off_t(offset) }
                throw SluiceError.permanent("write failed: \(reason)")
            }
            offset += n
        }
        end = end.map { $0 + off_t(bytes.count) }
    }

    public func flush() throws {
        if fsyncOnFlush, ownsDescriptor, fsync(fd) != 0 {
            throw SluiceError.retriable("fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}
