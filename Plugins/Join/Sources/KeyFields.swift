import SluiceSDK

/// Reads a join key from one or more fields of a document (dotted paths
/// reach into subdocuments). A composite key matches only when every part does.
public struct KeyFields: Sendable, Equatable {
    public let paths: [String]
    /// Which paths reach into subdocuments, worked out once rather than per record.
    private let nested: [Bool]

    public init(_ paths: [String]) {
        self.paths = paths
        nested = paths.map { $0.utf8.contains(UInt8(ascii: ".")) }
    }

    /// The key, or why the document has none (a missing or null part never matches anything).
    public func key(in document: BSONDocument) -> Result<JoinKey, KeyFailure> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * paths.count)
        for (path, nested) in zip(paths, nested) {
            guard let e = nested ? document.element(path: path) : document[path] else {
                return .failure(KeyFailure(reason: "join: no key field \(path.debugDescription)"))
            }
            switch e.type {
            case .null, .undefined:
                return .failure(KeyFailure(reason: "join: key field \(path.debugDescription) is null"))
            case .int32, .int64:
                JoinKey.Tag.integer.append(integer: e.integer!, to: &bytes)
            case .double:
                if let i = e.integer {
                    JoinKey.Tag.integer.append(integer: i, to: &bytes)
                } else {
                    JoinKey.Tag.double.append(bytes: e.valueBytes, to: &bytes)
                }
            case .string, .symbol:
                JoinKey.Tag.string.append(bytes: e.stringBytes!, to: &bytes)
            case .bool:
                JoinKey.Tag.bool.append(bytes: e.valueBytes, to: &bytes)
            case .datetime:
                JoinKey.Tag.datetime.append(integer: e.datetime!, to: &bytes)
            case .objectId:
                JoinKey.Tag.objectId.append(bytes: e.valueBytes, to: &bytes)
            default:
                // Documents, arrays, binaries: equal when their BSON bytes are equal.
                bytes.append(e.type.rawValue)
                JoinKey.Tag.other.append(bytes: e.valueBytes, to: &bytes)
            }
        }
        return .success(JoinKey(bytes: bytes))
    }

    public struct KeyFailure: Error, Sendable {
        public let reason: String
    }
}
