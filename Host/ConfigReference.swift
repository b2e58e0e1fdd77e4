import SluiceCore
import SluiceSDK

/// A component's config reference, rendered from the JSON Schema it
/// publishes: the schema is where a key's type, default and doc are declared,
/// so this page cannot drift from what `validate` checks.
struct ConfigReference {
    let use: String
    let component: ComponentInfo

    struct Row {
        let key: String
        let type: String
        let required: Bool
        let fallback: String
        let doc: String
    }

    var text: String {
        var out = "\(use) (\(component.role.rawValue)): \(component.summary)\n"
        if !component.outputs.isEmpty {
            out += "outputs: default, \(component.outputs.joined(separator: ", ")) (read one as inputs: [NAME.OUTPUT])\n"
        }
        if component.splitsInput {
            out += "workers: N readers split the input, each its part in order; the stream interleaves them\n"
        }
        let schema = (try? component.configSchema())??.source
        let rows = schema.map { Self.rows($0, prefix: "", root: $0) } ?? []
        guard !rows.isEmpty else {
            if schema?["additionalProperties"] == .bool(false) { return out + "\nconfig: none (the component takes no keys)\n" }
            return out + "\nconfig: any object (the component publishes no schema of its keys)\n"
        }
        out += "\nconfig:\n"
        let width = min(34, rows.map(\.key.count).max() ?? 0)
        let typeWidth = min(28, rows.map(\.type.count).max() ?? 0)
        for r in rows {
            var line = "  " + r.key.padding(toLength: max(width, r.key.count), withPad: " ", startingAt: 0)
            line += "  " + r.type.padding(toLength: max(typeWidth, r.type.count), withPad: " ", startingAt: 0)
            var notes: [String] = []
            if r.required { notes.append("required") }
            if !r.fallback.isEmpty { notes.append("default \(r.fallback)") }
            if !r.doc.isEmpty { notes.append(r.doc) }
            out += (notes.isEmpty ? line.trimmingSuffix() : line + "  " + notes.joined(separator: "; ")) + "\n"
        }
        out += "\nexample:\n\(example(schema))"
        return out
    }

    /// The manifest entry with the required keys filled in with placeholders.
    private func example(_ schema: JSONValue?) -> String {
        let section = "\(component.role.rawValue)s"
        var out = "  \(section):\n    my-\(component.name):\n      use: \(use)\n"
        if component.role != .source { out += "      inputs: [UPSTREAM]\n" }
        let required = schema?["required"]?.array?.compactMap(\.string) ?? []
        let properties = schema?["properties"]?.object
        if required.isEmpty {
            out += "      config: {}\n"
        } else {
            out += "      config:\n"
            for key in required {
                let type = properties?[key].map { Self.typeName($0) } ?? "value"
                out += "        \(key): <\(type)>\n"
            }
        }
        return out
    }

    static func rows(_ schema: JSONValue, prefix: String, root: JSONValue) -> [Row] {
        let schema = resolved(schema, root: root)
        guard let properties = schema["properties"]?.object else { return [] }
        let required = Set(schema["required"]?.array?.compactMap(\.string) ?? [])
        return properties.flatMap { member -> [Row] in
            let key = prefix + member.key
            let s = resolved(member.value, root: root)
            let row = Row(key: key, type: typeName(s), required: required.contains(member.key),
                          fallback: s["default"].map { JSONWriter.string($0) } ?? "",
                          doc: s["description"]?.string ?? "")
            let nested = s["properties"] != nil ? rows(s, prefix: key + ".", root: root) : []
            return [row] + nested
        }
    }

    /// A local `$ref` ("#/$defs/side") replaced by what it points at.
    static func resolved(_ s: JSONValue, root: JSONValue) -> JSONValue {
        guard let ref = s["$ref"]?.string, ref.hasPrefix("#/") else { return s }
        var target: JSONValue? = root
        for part in ref.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
        guard let target else { return s }
        guard case var .object(merged) = target, case let .object(own) = s else { return target }
        for m in own where m.key != "$ref" { merged[m.key] = m.value }
        return .object(merged)
    }

    static func typeName(_ s: JSONValue) -> String {
        if let values = s["enum"]?.array { return values.map { JSONWriter.string($0) }.joined(separator: "|") }
        if let c = s["const"] { return JSONWriter.string(c) }
        var base: String
        switch s["type"] {
        case let .string(t)?: base = t
        case let .array(ts)?: base = ts.compactMap(\.string).joined(separator: "|")
        default:
            let branches = (s["oneOf"] ?? s["anyOf"])?.array ?? []
            base = branches.isEmpty ? "any" : branches.map { typeName($0) }.joined(separator: "|")
        }
        if base == "array", let items = s["items"] { base = "[\(typeName(items))]" }
        if let format = s["format"]?.string { base += " (\(format))" }
        return base
    }
}

extension String {
    func trimmingSuffix() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
