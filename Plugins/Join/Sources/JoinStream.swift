import SluiceSDK

/// One stream of rows into the join: an input port, or the part of one that
/// a side's `when` selects (one consumer reading both co-partitioned topics,
/// told apart by a field). Watermarks, idleness and metrics are per stream.
public struct JoinStream: Sendable, Equatable {
    public let port: Int
    public let side: Side
    /// nil: every record of the port is this side's.
    public let when: FieldEquals?
    /// The `input` label of its metrics: the input's name, with the side's
    /// name after a dot when the input feeds both sides.
    public let name: String
}

/// A side's `when: {field, equals}`: the record's field (a dotted path) is
/// the string `equals`.
public struct FieldEquals: Sendable, Equatable {
    public let field: String
    public let equals: String
    /// `field` as UTF-8 when it names a top-level field (no path to split per record), and `equals` as UTF-8.
    private let topLevelField: [UInt8]?
    private let equalsBytes: [UInt8]

    init?(_ config: Config?) throws {
        guard let config else { return nil }
        guard let field = try config.string("field"), let equals = try config.string("equals") else {
            throw SluiceError.config("when: needs field and equals")
        }
        self.field = field
        self.equals = equals
        topLevelField = field.utf8.contains(UInt8(ascii: ".")) ? nil : Array(field.utf8)
        equalsBytes = Array(equals.utf8)
    }

    public func matches(_ document: BSONDocument) -> Bool {
        let element: BSONElement?
        if let topLevelField {
            element = topLevelField.withUnsafeBytes { document.element(keyBytes: $0) }
        } else {
            element = document.element(path: field)
        }
        guard let bytes = element?.stringBytes, bytes.count == equalsBytes.count else { return false }
        return equalsBytes.withUnsafeBytes { $0.elementsEqual(bytes) }
    }
}
