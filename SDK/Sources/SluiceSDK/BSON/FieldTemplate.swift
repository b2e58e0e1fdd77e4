/// A name filled in from record fields, e.g. `sensors_{Beach}` or
/// `{region}.readings`: collection names, topics, index names.
public struct FieldTemplate: Sendable {
    public let template: String
    let parts: [Part]

    enum Part: Sendable {
        case text(String)
        case field(String)
    }

    public init(_ template: String) {
        self.template = template
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            parts.append(.field(String(rest[rest.index(after: open) ..< close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// The name when the template has no fields.
    public var fixedName: String? {
        parts.allSatisfy { if case .text = $0 { return true } else { return false } } ? template : nil
    }

    /// The name for `doc`, or nil when a field is missing or not a string or integer.
    public func resolve(_ doc: BSONDocument) -> String? {
        if let fixedName { return fixedName }
        var out = ""
        for p in parts {
            switch p {
            case let .text(t): out += t
            case let .field(f):
                guard let e = doc.element(path: f) else { return nil }
                if let s = e.string { out += s } else if let i = e.integer { out += String(i) } else { return nil }
            }
        }
        return out.isEmpty ? nil : out
    }
}
