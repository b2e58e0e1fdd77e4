import SluiceSDK

/// A dotted field path ("a.b.c") split once at create, not for every record.
struct FieldPath: Sendable {
    let text: String
    private let parts: [[UInt8]]

    init(_ text: String) {
        self.text = text
        parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
    }

    /// The element at this path, through documents and arrays.
    func element(in doc: BSONDocument) -> BSONElement? {
        var current = doc
        var found: BSONElement?
        for (i, part) in parts.enumerated() {
            guard let e = part.withUnsafeBytes({ current.element(keyBytes: $0) }) else { return nil }
            found = e
            if i < parts.count - 1 {
                guard let inner = e.document else { return nil }
                current = inner
            }
        }
        return found
    }
}
