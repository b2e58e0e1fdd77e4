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
    /// The sides' names as UTF-8 keys with their NUL, for nested output.
    private let leftName: [UInt8]
    private let rightName: [UInt8]
    private var nested: [UInt8] = []
    private var writer = BSONWriter(capacity: 1024)

    public init(shape: Shape, left: JoinConfig.SideConfig, right: JoinConfig.SideConfig) {
        self.init(shape: shape, names: (left.name, right.name), prefixes: (left.prefix, right.prefix))
    }

    public init(shape: Shape, names: (left: String, right: String), prefixes: (left: String, right: String)) {
        self.shape = shape
        self.names = names
        self.prefixes = prefixes
        leftName = Array(names.left.utf8) + [0]
        rightName = Array(names.right.utf8) + [0]
    }

    /// The joined document's bytes; a nil side is missing (an outer row).
    public mutating func make(left: [UInt8]?, right: [UInt8]?) -> [UInt8] {
        func withBytes<R>(_ row: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
            guard let row else { return body(nil) }
            return row.withUnsafeBytes { body($0) }
        }
        return withBytes(left) { l in withBytes(right) { r in withDocument(left: l, right: r) { Array($0) } } }
    }

    /// Builds the joined document into a buffer reused from call to call and
    /// passes it to `body`, valid only inside it: one allocation fewer per output.
    public mutating func withDocument<R>(left: UnsafeRawBufferPointer?, right: UnsafeRawBufferPointer?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch shape {
        case .nested:
            nested.removeAll(keepingCapacity: true)
            nested.append(contentsOf: [0, 0, 0, 0] as [UInt8])
            nest(leftName, left)
            nest(rightName, right)
            nested.append(0)
            let length = Int32(nested.count).littleEndian
            nested.withUnsafeMutableBytes { $0.storeBytes(of: length, as: Int32.self) }
            return nested.withUnsafeBytes(body)
        case .flat:
            writer.reset()
            var written = Set<String>()
            flatten(prefixes.left, left, &written)
            flatten(prefixes.right, right, &written)
            writer.finish()
            return writer.bytes.withUnsafeBytes(body)
        }
    }

    /// An embedded document under `name` (its key's UTF-8 and NUL), or null.
    private mutating func nest(_ name: [UInt8], _ row: UnsafeRawBufferPointer?) {
        nested.append(row == nil ? BSONType.null.rawValue : BSONType.document.rawValue)
        nested.append(contentsOf: name)
        if let row { nested.append(contentsOf: row) }
    }

    private mutating func flatten(_ prefix: String, _ row: UnsafeRawBufferPointer?, _ written: inout Set<String>) {
        guard let row else { return }
        for e in BSONDocument(row).elements {
            let name = prefix + e.key
            if written.insert(name).inserted { writer.append(e, as: name) }
        }
    }
}
