import SluiceSDK

/// Builds the document a join emits from the rows it came from.
///
/// `nested` (the default): `{left: {...}, right: {...}}` under each side's
/// `as` name, with null for the side an outer row lacks. `flat`: the fields
/// of both rows in one document, each name prefixed with its side's
/// `prefix`; where two names collide the left row's field wins (so with
/// empty prefixes the shared key appears once). An outer row in flat form
/// has only its own side's fields.
public struct JoinedDocument {
    public enum Shape: String, Sendable {
        case nested, flat
    }

    let shape: Shape
    let names: (left: String, right: String)
    let prefixes: (left: String, right: String)
    private var writer = BSONWriter(capacity: 1024)

    public init(shape: Shape, left: JoinConfig.SideConfig, right: JoinConfig.SideConfig) {
        self.init(shape: shape, names: (left.name, right.name), prefixes: (left.prefix, right.prefix))
    }

    public init(shape: Shape, names: (left: String, right: String), prefixes: (left: String, right: String)) {
        self.shape = shape
        self.names = names
        self.prefixes = prefixes
    }

    /// The joined document's bytes; a nil side is missing (an outer row).
    public mutating func make(left: [UInt8]?, right: [UInt8]?) -> [UInt8] {
        writer.reset()
        switch shape {
        case .nested:
            nest(names.left, left)
            nest(names.right, right)
        case .flat:
            var written = Set<String>()
            flatten(prefixes.left, left, &written)
            flatten(prefixes.right, right, &written)
        }
        return writer.finish()
    }

    private mutating func nest(_ name: String, _ row: [UInt8]?) {
        guard let row else { return writer.appendNull(name) }
        row.withUnsafeBytes { writer.append(name, document: BSONDocument($0)) }
    }

    private mutating func flatten(_ prefix: String, _ row: [UInt8]?, _ written: inout Set<String>) {
        guard let row else { return }
        row.withUnsafeBytes { bytes in
            for e in BSONDocument(bytes).elements {
                let name = prefix + e.key
                if written.insert(name).inserted { writer.append(e, as: name) }
            }
        }
    }
}
