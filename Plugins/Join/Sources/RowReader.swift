import SluiceFormats
import SluiceSDK

/// Reads a row's key and event time from its document in one pass over the
/// top-level fields (`FieldScan`), where a lookup by name per field walked
/// the document once each. Composite and nested keys, times that are not
/// BSON datetimes, and bytes that are not a well-formed document are read
/// by `KeyFields` and `EventTime`.
///
/// A class: read from an array of readers once per record, a struct was
/// copied out each time, retaining every array it holds.
final class RowReader {
    let keys: KeyFields
    let time: EventTime?
    /// Finds the key and the time field when the key is one top-level field.
    private let scan: FieldScan?

    init(keys: KeyFields, time: EventTime?) {
        self.keys = keys
        self.time = time
        scan = keys.singleField.map { FieldScan($0, time?.field) }
    }

    enum Read {
        /// `time` is nil when the side has no time field (the record's own event time counts).
        case row(key: JoinKey, time: Int64?)
        case failure(String)
    }

    func read(_ document: BSONDocument) -> Read {
        let bytes = document.bytes
        guard let scan, let (keyAt, timeAt) = scan.find(in: bytes) else { return slow(document) }
        guard keyAt >= 0 else { return .failure(KeyFields.missing(keys.paths[0]).reason) }
        let key: JoinKey
        if let string = scan.string(at: keyAt, second: false, in: bytes) {
            key = JoinKey(.bytes(.string, string))
        } else if let part = KeyFields.Part(scan.element(at: keyAt, second: false, in: bytes)) {
            key = JoinKey(part)
        } else {
            return .failure(KeyFields.null(keys.paths[0]).reason)
        }
        // The first element of each name counts, as a lookup by name finds.
        if timeAt >= 0, let ms = scan.datetime(at: timeAt, second: true, in: bytes) { return .row(key: key, time: ms) }
        guard let time else { return .row(key: key, time: nil) }
        return readTime(document, time, key)
    }

    private func slow(_ document: BSONDocument) -> Read {
        switch keys.key(in: document) {
        case let .failure(f): return .failure(f.reason)
        case let .success(key):
            guard let time else { return .row(key: key, time: nil) }
            return readTime(document, time, key)
        }
    }

    private func readTime(_ document: BSONDocument, _ time: EventTime, _ key: JoinKey) -> Read {
        switch time.millis(in: document) {
        case let .success(ms): return .row(key: key, time: ms)
        case let .failure(f): return .failure("join: \(f.reason)")
        }
    }
}
