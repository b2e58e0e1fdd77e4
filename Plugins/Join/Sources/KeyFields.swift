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

    /// The one top-level field the key is made of, or nil (a composite or nested key).
    var singleField: String? { paths.count == 1 && !nested[0] ? paths[0] : nil }

    /// The key, or why the document has none (a missing or null part never matches anything).
    public func key(in document: BSONDocument) -> Result<JoinKey, KeyFailure> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * paths.count)
        for (path, nested) in zip(paths, nested) {
            guard let e = nested ? document.element(path: path) : document[path] else { return .failure(Self.missing(path)) }
            guard let part = Part(e) else { return .failure(Self.null(path)) }
            part.append(to: &bytes)
        }
        return .success(JoinKey(bytes: bytes))
    }

    static func missing(_ path: String) -> KeyFailure { KeyFailure(reason: "join: no key field \(path.debugDescription)") }
    static func null(_ path: String) -> KeyFailure { KeyFailure(reason: "join: key field \(path.debugDescription) is null") }

    public struct KeyFailure: Error, Sendable {
        public let reason: String
    }

    /// One field's contribution to a key: how its value is tagged and written.
    enum Part {
        case integer(JoinKey.Tag, Int64)
        /// Length-prefixed bytes under a tag.
        case bytes(JoinKey.Tag, UnsafeRawBufferPointer)
        /// Documents, arrays, binaries: equal when their BSON type and bytes are.
        case other(BSONType, UnsafeRawBufferPointer)

        /// nil for a null or undefined value, which never matches anything.
        @inline(__always)
        init?(_ e: BSONElement) {
            switch e.type {
            case .null, .undefined: return nil
            case .int32, .int64: self = .integer(.integer, e.integer!)
            case .double:
                if let i = e.integer { self = .integer(.integer, i) } else { self = .bytes(.double, e.valueBytes) }
            case .string, .symbol: self = .bytes(.string, e.stringBytes!)
            case .bool: self = .bytes(.bool, e.valueBytes)
            case .datetime: self = .integer(.datetime, e.datetime!)
            case .objectId: self = .bytes(.objectId, e.valueBytes)
            default: self = .other(e.type, e.valueBytes)
            }
        }

        func append(to bytes: inout [UInt8]) {
            switch self {
            case let .integer(tag, value): tag.append(integer: value, to: &bytes)
            case let .bytes(tag, value): tag.append(bytes: value, to: &bytes)
            case let .other(type, value):
                bytes.append(type.rawValue)
                JoinKey.Tag.other.append(bytes: value, to: &bytes)
            }
        }
    }
}
