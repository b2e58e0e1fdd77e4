import Foundation
import SluiceFormats
import SluiceSDK

/// `file.read`: records from a JSON-lines, CSV or text file, or stdin.
///
/// Each record's delivery token is its line number. A line that does not
/// decode goes to the dead-letter queue as `{raw, line}` with the reason.
/// Delivered positions are saved (`ReadCheckpoint`) and a restart resumes
/// after the last line every sink wrote: by default in the state directory,
/// where a bounded read that reached the end with every line delivered
/// removes it (the next run reads the file again, as a batch job expects);
/// with `checkpoint: PATH` in that file, kept for the next run.
///
/// With `workers: N` (ABI 1.5), instance i reads the lines that begin in
/// bytes [i·size/N, (i+1)·size/N) of the file (`LineReader.readPart`), and
/// keeps its own checkpoint of that part in its own state directory; a
/// part read to its end keeps its checkpoint, marked complete, so that it
/// is not read again while another part is unfinished.
public final class FileSource: Source {
    public static let name = "read"
    public static let splitsInput = true
    public static let summary = "Reads JSON lines, CSV (header row) or text lines from a file or stdin; follow mode tails it"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false, "required": ["path"],
     "properties": {
       "path": {"type": "string", "format": "path", "description": "file to read, or - for stdin; relative to the manifest. With workers: N, reader i reads the lines that begin in bytes [i·size/N, (i+1)·size/N) and keeps its own checkpoint; stdin, follow and csv cannot be split"},
       "format": {"enum": ["ndjson", "csv", "lines"], "description": "how the file encodes records; default from the path's extension, in any case: .csv or .tsv csv, .txt or .log lines, anything else ndjson. csv: RFC 4180, the first row names the fields (trimmed; a repeated name gets _2, _3, …); a row with another number of fields is dead-lettered, as is a quoted field still open where the file ends (not yet an error while follow waits for more)"},
       "follow": {"type": "boolean", "description": "keep reading as the file grows"},
       "field": {"type": "string", "description": "lines format: the field that holds the line"},
       "infer_types": {"type": "boolean", "description": "csv (default true): a cell becomes a number only when the number written back reads the same: an integer -?(0|[1-9][0-9]*) within 64 bits, a decimal -?(0|[1-9][0-9]*).[0-9]+ whose digits a double holds (1.50 is 1.5); true/TRUE/True and false/FALSE/False become booleans, an empty cell null; everything else stays text: leading zeros (02134), a leading + (+1555), hex (0x1A), an integer beyond 64 bits, -0, exponents (1e5), NaN, inf, spaces around a number. false: every cell is text"},
       "separator": {"type": "string", "minLength": 1, "maxLength": 1, "description": "csv: the character between fields (default: a tab for a .tsv path, else ,)"},
       "key_field": {"type": "string", "description": "dotted path of the field, a string or an integer, that is each record's key (kafka.write's message key; workers keep one key's records in order)"},
       "event_time_field": {"type": "string", "description": "dotted path of the field that holds each record's event time: a date, an ISO 8601 string, or milliseconds since 1970"},
       "checkpoint": {"type": ["string", "boolean"], "format": "path", "description": "how far the input was delivered, so a restart resumes there. true (the default for a file): in the state directory, for a crash or a stop part way (a read that ends with every line delivered removes it, unless follow); PATH: in that file, kept after the end (relative to the manifest; with workers: N, reader i > 0 keeps PATH.worker-i); false: none"},
    """# + UTF8Policy.schemaMember + #"""
     }}
    """#

    let format: FileFormat
    let follow: Bool
    let field: String
    let infer: Bool
    let keyField: String?
    let timeField: String?
    let reader: LineReader
    let utf8: UTF8Gate
    var records: CSVRecords
    /// The CSV header's names (`CSV.headerNames`: trimmed, a repeated one suffixed).
    var header: [String] = []
    var writer = BSONWriter(capacity: 512)
    /// The last NDJSON line's keys and date, which the next line mostly repeats.
    let lineMemory = JSONLineMemory()
    let host: PluginHost
    let checkpointPath: String?
    /// The checkpoint only bridges a crash or a stop part way: removed once a bounded read ended with every line delivered.
    let checkpointIsTransient: Bool
    /// With `workers: N` and transient checkpoints: every reader's, this one's included.
    let partCheckpoints: [String]
    /// Which emitted lines are delivered (acked): the checkpoint saves the end of the longest run from the first.
    /// A class: its accesses take no dynamic exclusivity check.
    let delivered = DeliveredLines()
    /// Lines `decodeInPlace` leaves to `reader.next` before it tries again,
    /// and the pause after its next miss of a line's own (`LineInPlace.otherLine`).
    /// Unchecked: reached from `poll` alone, which calls out with no access open.
    @exclusivity(unchecked) var linesBeforeInPlace = 0
    @exclusivity(unchecked) var nextInPlacePause = 0
    #if DEBUG
        /// Lines `decodeInPlace` read: tests check that it ran.
        @exclusivity(unchecked) var linesReadInPlace = 0
    #endif
    var lastSave: UInt64 = 0
    /// The bounded read reached the end of the file.
    var ended = false

    public required init(config: Config, host: PluginHost) throws {
        let path = try config.requiredString("path")
        format = try FileFormat.configured(config, path: path)
        follow = try config.bool("follow", default: false)
        field = try config.string("field", default: "line")
        infer = try config.bool("infer_types", default: true)
        records = CSVRecords(separator: try FileFormat.separator(config, path: path))
        keyField = try config.string("key_field")
        timeField = try config.string("event_time_field")
        reader = try Self.reader(path)
        try Self.checkSplit(path: path, format: format, follow: follow, host: host)
        reader.readPart(host.workerIndex, of: host.workerCount)
        utf8 = try UTF8Gate(config, host: host)
        self.host = host
        (checkpointPath, checkpointIsTransient) = try Self.checkpoint(config, reader: reader, follow: follow, host: host)
        partCheckpoints = checkpointIsTransient ? Self.partCheckpoints(host: host) : []
        if checkpointIsTransient, host.workerIndex == 0, let directory = host.stateDirectory {
            Self.removeCheckpoints(under: directory, ofReadersFrom: host.workerCount)
        }
        try resumeFromCheckpoint()
    }

    /// `workers: N` splits a file by byte ranges; refuses the inputs that
    /// cannot be split, naming the config key that makes them so.
    private static func checkSplit(path: String, format: FileFormat, follow: Bool, host: PluginHost) throws {
        let count = host.workerCount
        guard count > 1 else { return }
        if path == "-" {
            throw SluiceError.config("path: stdin cannot be split among workers: \(count) readers (use workers: 1)")
        }
        if follow {
            throw SluiceError.config("follow: a followed file grows past any split, so it cannot be read by workers: \(count) readers (use workers: 1)")
        }
        if format == .csv {
            throw SluiceError.config("format: csv cannot be split among workers: \(count) readers: a quoted field may hold a newline and the header is the first line (use workers: 1)")
        }
    }

    /// A reader of several cannot tell whether the others reached their
    /// ends: it keeps its checkpoint, marked complete, and the next run
    /// reads its part again unless another part is unfinished (`anotherPartIsUnfinished`).
    deinit {
        if checkpointIsTransient, ended, delivered.isComplete, let checkpointPath {
            if partCheckpoints.isEmpty {
                unlink(checkpointPath)
            } else {
                saveCheckpoint(complete: true)
            }
        } else {
            saveCheckpoint()
        }
    }

    /// The default checkpoints of all N readers, by the host's layout of
    /// state directories (docs/PLUGINS.md#workers): the first reader's, and
    /// `worker-i` inside it for reader i.
    private static func partCheckpoints(host: PluginHost) -> [String] {
        guard host.workerCount > 1, let directory = host.stateDirectory else { return [] }
        let first = host.workerIndex == 0 ? directory : (directory as NSString).deletingLastPathComponent
        return (0 ..< host.workerCount).map { $0 == 0 ? first + "/checkpoint" : first + "/worker-\($0)/checkpoint" }
    }

    /// Where the checkpoint is kept, and whether it is transient.
    private static func checkpoint(_ config: Config, reader: LineReader, follow: Bool, host: PluginHost) throws -> (String?, Bool) {
        let explicit: String?
        switch config["checkpoint"] {
        case .bool(false)?: return (nil, false)
        case let .string(path)?: explicit = path
        default: explicit = nil
        }
        guard reader.isFile else {
            if config.has("checkpoint") { throw SluiceError.config("checkpoint: needs a file; stdin cannot resume") }
            return (nil, false)
        }
        if let explicit { return (host.workerIndex > 0 ? "\(explicit).worker-\(host.workerIndex)" : explicit, false) }
        guard let directory = host.stateDirectory else { return (nil, false) }
        return (directory + "/checkpoint", !follow)
    }

    /// Removes the checkpoints of readers `first` and up, left by a run with
    /// more `workers:` (in `worker-i` of the first reader's directory): a
    /// later run with as many would otherwise resume them, though a run in
    /// between, with fewer readers, read their parts.
    private static func removeCheckpoints(under directory: String, ofReadersFrom first: Int) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            guard name.hasPrefix("worker-"), let index = Int(name.dropFirst("worker-".count)), index >= first else { continue }
            unlink("\(directory)/\(name)/checkpoint")
        }
    }

    /// Continues after the checkpoint's line, when it is of this very file.
    private func resumeFromCheckpoint() throws {
        guard let checkpointPath, let saved = ReadCheckpoint.load(checkpointPath), let id = reader.identity() else { return }
        guard saved.part == reader.part else {
            // A complete part's checkpoint is what a finished run of several readers leaves: no news.
            host.log(saved.complete ? .debug : .warning, "checkpoint \(checkpointPath) is of another split of the file (workers: changed, or the file grew); reading \(reader.part == nil ? "the file" : "this reader's part") from the start")
            return
        }
        guard saved.resumes(path: reader.path, device: id.device, inode: id.inode, size: id.size, part: reader.part) else {
            host.log(.warning, "checkpoint \(checkpointPath) is of another or a shorter file (replaced or truncated); reading from the start")
            return
        }
        if format == .csv, saved.line > 0 {
            // The header is the first line: read it again before jumping.
            while let first = reader.next(final: true) {
                guard !first.isEmpty else { continue }
                if case let .header(names) = records.feed(Substring(String(decoding: first, as: UTF8.self)), number: reader.lineNumber) {
                    takeHeader(names)
                }
                break
            }
        }
        if saved.complete, !anotherPartIsUnfinished(device: id.device, inode: id.inode, size: id.size) {
            host.log(.debug, "no reader left its part unfinished in the last run; reading this part again")
            return
        }
        reader.resume(at: saved.offset, line: saved.line)
        host.log(.info, "resuming after line \(reader.fileLineNumber) (byte \(saved.offset)) from checkpoint \(checkpointPath)")
    }

    /// Whether the last run stopped before another reader finished its
    /// part: that reader's checkpoint is of this file, split as now, and
    /// not complete. Then this reader, whose part was complete, reads
    /// nothing of it again. Otherwise the last run read the whole file (a
    /// checkpoint left by a run with another `workers:` does not count).
    private func anotherPartIsUnfinished(device: UInt64, inode: UInt64, size: UInt64) -> Bool {
        partCheckpoints.enumerated().contains { index, path in
            guard path != checkpointPath, let other = ReadCheckpoint.load(path) else { return false }
            return !other.complete && other.resumes(path: reader.path, device: device, inode: inode, size: size,
                                                     part: LineReader.part(index, of: partCheckpoints.count, size: size))
        }
    }

    public func ack(tokens: UnsafeBufferPointer<UInt64>) {
        guard checkpointPath != nil else { return }
        delivered.acked(tokens)
        let now = DispatchTime.now().uptimeNanoseconds
        if now - lastSave >= 1_000_000_000 {
            lastSave = now
            saveCheckpoint()
        }
    }

    /// - Parameter complete: the part was read to its end and every line delivered.
    private func saveCheckpoint(complete: Bool = false) {
        let position: (line: Int, end: UInt64)? = complete ? (reader.lineNumber, reader.offset) : delivered.take()
        guard let checkpointPath, let id = reader.identity(), let (line, end) = position else { return }
        do {
            try ReadCheckpoint(path: reader.path, device: id.device, inode: id.inode, offset: end, line: line, part: reader.part,
                               complete: complete).save(checkpointPath)
        } catch {
            host.log(.error, "cannot write checkpoint \(checkpointPath): \(error); a restart reads more again")
        }
    }

    public static func check(config: Config, host: PluginHost) throws {
        let path = try config.requiredString("path")
        _ = try reader(path)
        let format = try FileFormat.configured(config, path: path)
        try checkSplit(path: path, format: format, follow: try config.bool("follow", default: false), host: host)
    }

    private static func reader(_ path: String) throws -> LineReader {
        do { return try LineReader(path: path) } catch { throw SluiceError.config("path: \(error)") }
    }

    public func poll(_ output: Output, maxRecords: Int, timeoutMillis: Int) throws -> PollResult {
        // One access to the stored writer per poll: each access to a class's stored `var` is a dynamic exclusivity check.
        poll(output, maxRecords: maxRecords, timeoutMillis: timeoutMillis, writer: &writer)
    }

    private func poll(_ output: Output, maxRecords: Int, timeoutMillis: Int, writer: inout BSONWriter) -> PollResult {
        var emitted = 0
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMillis) * 1_000_000
        while emitted < maxRecords {
            let outcome: Outcome
            if format == .ndjson, decodeInPlace(output) {
                outcome = .emitted
            } else if let line = reader.next(final: !follow) {
                if line.isEmpty, format != .lines { continue }
                outcome = decodeUTF8(line, output, token: UInt64(reader.lineNumber), &writer)
            } else if !follow, format == .csv, let open = records.finish() {
                // The file ended inside a quoted field: that record, every line
                // from where it began, is dead-lettered, not dropped without a
                // trace. (A followed file's end is only where it is now: the rest may come.)
                outcome = emitUndecodable(open.text, "line \(open.line): unterminated quoted field (the file ends inside it)", output,
                                          UInt64(reader.lineNumber), &writer, line: open.line)
            } else if !follow {
                ended = true
                return .end
            } else {
                if DispatchTime.now().uptimeNanoseconds >= deadline { return .more }
                usleep(20_000)
                continue
            }
            switch outcome {
            case .emitted:
                emitted += 1
                if checkpointPath != nil { delivered.emitted(line: reader.lineNumber, end: reader.offset) }
            case .skipped: break
            case let .undecodable(reason):
                // A source's fail() index counts the records emitted in this poll.
                output.fail(emitted, reason)
                emitted += 1
                if checkpointPath != nil { delivered.emitted(line: reader.lineNumber, end: reader.offset) }
            }
        }
        return .more
    }

    enum Outcome {
        case emitted
        /// The line fed the CSV header or an unfinished quoted field.
        case skipped
        /// A `{raw, line}` record was emitted and must be dead-lettered.
        case undecodable(String)
    }

    /// `line` is valid UTF-8 (`decodeUTF8`), until the reader's next call;
    /// `faithful` when it is the file's line as read (not repaired), so an
    /// NDJSON record may carry it as its JSON text.
    func decode(_ line: UnsafeRawBufferPointer, _ output: Output, token: UInt64, _ writer: inout BSONWriter, faithful: Bool = true) -> Outcome {
        switch format {
        case .ndjson:
            do {
                try BSONFromJSON.withDocument(json: line, memory: lineMemory) {
                    emit($0, output, token: token, text: faithful ? JSONSourceText.object(in: line) : nil)
                }
                return .emitted
            } catch {
                return emitUndecodable(String(decoding: line, as: UTF8.self), "line \(reader.fileLineNumber): \(error)", output, token, &writer)
            }
        case .lines:
            writer.reset()
            writer.append(field, string: String(decoding: line, as: UTF8.self))
        case .csv:
            writer.reset()
            let line = String(decoding: line, as: UTF8.self)
            switch records.feed(Substring(line), number: reader.lineNumber) {
            case nil:
                return .skipped
            case let .header(names):
                takeHeader(names)
                return .skipped
            case let .mismatched(text, cells, expected, line):
                return emitUndecodable(text, "line \(line): \(cells) fields, the header has \(expected)", output, token, &writer, line: line)
            case let .unterminated(text, line):
                return emitUndecodable(text, "line \(line): a quoted field still open after \(records.maxRecordBytes) bytes (a stray quote?); reading goes on at line \(reader.fileLineNumber + 1)", output, token, &writer, line: line)
            case let .record(cells, _):
                if let bad = header.first(where: { $0.utf8.contains(0) }) {
                    return emitUndecodable(line, "line \(reader.fileLineNumber): the header's column \(bad.debugDescription) holds a NUL character, which a field name cannot", output, token, &writer)
                }
                for (name, cell) in zip(header, cells) { CSV.append(&writer, name, cell: cell, infer: infer) }
            }
        }
        writer.finish().withUnsafeBytes { emit($0, output, token: token) }
        return .emitted
    }

    private func takeHeader(_ names: [String]) {
        header = names
        if !records.renamed.isEmpty {
            host.log(.warning, "\(reader.path): the CSV header repeats column names; reading \(records.renamed.joined(separator: ", "))")
        }
    }

    /// Emits a decoded record, with its event time and key when configured,
    /// and the JSON `text` it was decoded from, if faithfully.
    @inline(__always)
    func emit(_ d: UnsafeRawBufferPointer, _ output: Output, token: UInt64, text: UnsafeRawBufferPointer? = nil) {
        guard timeField != nil || keyField != nil else {
            output.emit(d, token: token, jsonText: text)
            return
        }
        emitKeyed(d, output, token: token, text: text)
    }

    /// `emit` with an event time or a key to find: a call of its own, so
    /// that the plain emit, inlined into the decoders, keeps a small frame.
    @inline(never)
    private func emitKeyed(_ d: UnsafeRawBufferPointer, _ output: Output, token: UInt64, text: UnsafeRawBufferPointer?) {
        let view = BSONDocument(d)
        let time = timeField.flatMap { view.element(path: $0) }.flatMap(Self.eventTime)
        if let k = keyField.flatMap({ view.element(path: $0) }), let keyBytes = Self.keyBytes(k) {
            keyBytes.withUnsafeBytes { _ = output.emit(d, eventTime: time, key: $0, token: token, jsonText: text) }
        } else {
            output.emit(d, eventTime: time, token: token, jsonText: text)
        }
    }

    /// - Parameter line: where the record began, when not on the last line read (a CSV record spanning lines).
    func emitUndecodable(_ text: String, _ reason: String, _ output: Output, _ token: UInt64, _ writer: inout BSONWriter,
                         line: Int? = nil) -> Outcome {
        writer.reset()
        writer.append("raw", string: text)
        writer.append("line", int64: Int64(line ?? reader.fileLineNumber))
        output.emit(writer.finish(), token: token)
        return .undecodable(reason)
    }

    static func eventTime(_ e: BSONElement) -> Int64? {
        if let ms = e.datetime { return ms }
        if let s = e.string { return ISO8601.parse(s) }
        return e.integer
    }

    static func keyBytes(_ e: BSONElement) -> [UInt8]? {
        if let s = e.stringBytes { return Array(s) }
        if let i = e.integer { return Array(String(i).utf8) }
        return nil
    }
}
