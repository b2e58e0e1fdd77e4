import SluiceFormats
import SluiceSDK

/// Reads a row's key and event time from its document in one pass over the
/// top-level fields, where a lookup by name per field walked the document
/// once each. Composite and nested keys, and times that are not BSON
/// datetimes, are read by `KeyFields` and `EventTime` as before.
///
/// A class: read from an array of readers once per record, a struct was
/// copied out each time, retaining every array it holds.
final class RowReader {
    let keys: KeyFields
    let time: EventTime?
    /// The key's field name as UTF-8 when the key is one top-level field.
    private let keyName: [UInt8]?
    private let timeName: [UInt8]?

    init(keys: KeyFields, time: EventTime?) {
        self.keys = keys
        self.time = time
        keyName = keys.singleField.map { Array($0.utf8) }
        timeName = time.map { Array($0.field.utf8) }
    }

    enum Read {
        /// `time` is nil when the side has no time field (the record's own event time counts).
        case row(key: JoinKey, time: Int64?)
        case failure(String)
    }

    func read(_ document: BSONDocument) -> Read {
        guard let keyName else { return slow(document) }
        return keyName.withUnsafeBytes { keyName in
            var keyElement: BSONElement?
            var timeElement: BSONElement?
            if let timeName {
                timeName.withUnsafeBytes { timeName in
                    // The first element of each name counts, as a lookup by name finds.
                    for e in document.elements {
                        if keyElement == nil, e.keyEquals(keyName) { keyElement = e }
                        if timeElement == nil, e.keyEquals(timeName) { timeElement = e }
                        if keyElement != nil, timeElement != nil { break }
                    }
                }
            } else {
                for e in document.elements where e.keyEquals(keyName) {
                    keyElement = e
                    break
                }
            }
            guard let keyElement else { return .failure(KeyFields.missing(keys.paths[0]).reason) }
            guard let part = KeyFields.Part(keyElement) else { return .failure(KeyFields.null(keys.paths[0]).reason) }
            let key = JoinKey(part)
            guard let time else { return .row(key: key, time: nil) }
            if let ms = timeElement?.datetime { return .row(key: key, time: ms) }
            return readTime(document, time, key)
        }
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
