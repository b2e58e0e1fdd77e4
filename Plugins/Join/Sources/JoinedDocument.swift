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
    /// Room for nested output, written in place through one pointer (only its first bytes are the document).
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
            let size = 4 + Self.nestedSize(leftName, left) + Self.nestedSize(rightName, right) + 1
            if nested.count < size { nested = [UInt8](repeating: 0, count: max(size, 2 * nested.count)) }
            return nested.withUnsafeMutableBytes { buffer in
                buffer.storeBytes(of: Int32(size).littleEndian, as: Int32.self)
                var at = Self.nest(leftName, left, into: buffer, at: 4)
                at = Self.nest(rightName, right, into: buffer, at: at)
                buffer[at] = 0
                return body(UnsafeRawBufferPointer(rebasing: buffer[0 ..< size]))
            }
        case .flat:
            writer.reset()
            var written = Set<String>()
            flatten(prefixes.left, left, &written)
            flatten(prefixes.right, right, &written)
            writer.finish()
            return writer.bytes.withUnsafeBytes(body)
        }
    }

    private static func nestedSize(_ name: [UInt8], _ row: UnsafeRawBufferPointer?) -> Int {
        1 + name.count + (row?.count ?? 0)
    }

    /// Writes an embedded document under `name` (its key's UTF-8 and NUL),
    /// or null, at `at`; returns where it ends.
    private static func nest(_ name: [UInt8], _ row: UnsafeRawBufferPointer?, into buffer: UnsafeMutableRawBufferPointer, at: Int) -> Int {
        buffer[at] = row == nil ? BSONType.null.rawValue : BSONType.document.rawValue
        name.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[at + 1 ..< at + 1 + $0.count]).copyMemory(from: $0) }
        let valueStart = at + 1 + name.count
        guard let row, row.count > 0 else { return valueStart }
        UnsafeMutableRawBufferPointer(rebasing: buffer[valueStart ..< valueStart + row.count]).copyMemory(from: row)
        return valueStart + row.count
    }

    private mutating func flatten(_ prefix: String, _ row: UnsafeRawBufferPointer?, _ written: inout Set<String>) {
        guard let row else { return }
        for e in BSONDocument(row).elements {
            let name = prefix + e.key
            if written.insert(name).inserted { writer.append(e, as: name) }
        }
    }
}
