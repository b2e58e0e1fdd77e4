import CSluicePlugin
import Foundation
import SluiceSDK

/// Builds dead-letter records: the original record wrapped with why, where
/// and when it failed, so an operator can fix and replay it.
///
/// Shape: `{stage, error_class, reason, attempts, failed_at, record}`;
/// event time and key are kept.
enum DeadLetter {
    static func wrap(_ source: RecordBuffer, _ failures: [DeliveryStateMachine.DeadLetter], stage: String) -> RecordBuffer {
        let out = RecordBuffer(capacity: failures.count)
        var w = BSONWriter(capacity: 512)
        let now = Clock.wallMillis()
        // A batch's failures mostly share one reason: mask each once.
        var masked: [String: String] = [:]
        for f in failures {
            source.withRecord(f.index) { doc, key in
                w.reset()
                w.append("stage", string: stage)
                w.append("error_class", string: f.errorClass.rawValue)
                // A reason repeats what a server or library said, which can
                // carry a URL's password or a token from the config.
                let reason = masked[f.reason] ?? SecretRegistry.redact(f.reason)
                masked[f.reason] = reason
                w.append("reason", string: reason)
                w.append("attempts", int32: Int32(clamping: f.attempts))
                w.append("failed_at", datetime: now)
                w.append("record", document: BSONDocument(doc))
                let bytes = w.finish()
                bytes.withUnsafeBytes { out.append($0, eventTime: source.eventTime(at: f.index) ?? .min, key: key, token: 0) }
            }
        }
        return out
    }
}

/// How a sink stage writes: a plugin sink, or the built-in dead-letter file.
/// `port` is the input the records came from (an index into the sink's `inputs:`).
protocol RecordWriter: AnyObject {
    func write(_ records: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status
    func flush() -> sluice_status
    func close()
}

extension ComponentInstance: RecordWriter {
    func close() { destroy() }
}

/// The default dead-letter queue when the manifest names none: one JSON
/// object per line, appended to a file created on the first failure.
final class DeadLetterFile: RecordWriter {
    let path: String
    private var handle: FileHandle?
    private var json = JSONWriter(capacity: 1024)

    init(path: String) { self.path = path }

    func write(_ records: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status {
        do {
            if handle == nil {
                if !FileManager.default.fileExists(atPath: path) {
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                }
                guard let h = FileHandle(forWritingAtPath: path) else { return SLUICE_RETRIABLE }
                try h.seekToEnd()
                handle = h
            }
            json.reset()
            for i in 0 ..< records.count {
                records.withRecord(i) { doc, _ in json.write(BSONDocument(doc)) }
                json.newline()
            }
            try handle!.write(contentsOf: json.bytes)
            return SLUICE_OK
        } catch {
            return SLUICE_RETRIABLE
        }
    }

    func flush() -> sluice_status {
        try? handle?.synchronize()
        return SLUICE_OK
    }

    func close() {
        try? handle?.close()
        handle = nil
    }
}
