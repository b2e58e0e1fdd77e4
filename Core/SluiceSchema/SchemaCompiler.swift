import Foundation
import SluiceSDK

/// Turns schema JSON into `SchemaNode`s, registering each by JSON Pointer so
/// `$ref`s resolve (recursion included) after the whole tree is built.
struct SchemaCompiler {
    private var byPointer: [String: SchemaNode] = [:]
    private var refs: [(id: Int, ref: String)] = []
    private var nextID = 0

    static let knownTypes: Set = ["null", "boolean", "object", "array", "number", "integer", "string"]

    /// The root node and the target of every `$ref`, by referring node id.
    static func compile(_ schema: JSONValue) throws -> (root: SchemaNode, refTargets: [Int: SchemaNode]) {
        var c = SchemaCompiler()
        let root = try c.node(schema, at: "")
        var targets: [Int: SchemaNode] = [:]
        for (id, ref) in c.refs {
            guard let target = c.resolve(ref) else {
                throw SchemaError(path: "", reason: "$ref \(ref.debugDescription) points nowhere")
            }
            targets[id] = target
        }
        return (root, targets)
    }

    private func resolve(_ ref: String) -> SchemaNode? {
        guard ref.hasPrefix("#") else { return nil }
        let pointer = String(ref.dropFirst())
        let decoded = pointer.removingPercentEncodingIfNeeded
        return byPointer[decoded]
    }

    private mutating func node(_ json: JSONValue, at path: String) throws -> SchemaNode {
        var n = SchemaNode.Keywords()
        if case let .bool(b) = json {
            n.always = b
            return finish(n, at: path)
        }
        guard case let .object(o) = json else { throw SchemaError(path: path, reason: "a schema must be an object or a boolean") }
        func fail(_ key: String, _ reason: String) -> SchemaError { SchemaError(path: "\(path)/\(key)", reason: reason) }
        func number(_ key: String) throws -> Double? {
            guard let v = o[key] else { return nil }
            guard let d = v.number else { throw fail(key, "must be a number") }
            return d
        }
        func count(_ key: String) throws -> Int? {
            guard let v = o[key] else { return nil }
            guard let i = v.integer, i >= 0 else { throw fail(key, "must be a non-negative integer") }
            return Int(i)
        }
        func list(_ key: String) throws -> [SchemaNode] {
            guard let v = o[key] else { return [] }
            guard let a = v.array, !a.isEmpty else { throw fail(key, "must be a non-empty array of schemas") }
            return try a.enumerated().map { try node($0.element, at: "\(path)/\(key)/\($0.offset)") }
        }
        func sub(_ key: String) throws -> SchemaNode? {
            try o[key].map { try node($0, at: "\(path)/\(key)") }
        }

        if let t = o["type"] {
            let names: [String]
            if let s = t.string { names = [s] } else if let a = t.array, a.allSatisfy({ $0.string != nil }) {
                names = a.compactMap(\.string)
            } else {
                throw fail("type", "must be a type name or an array of them")
            }
            for name in names where !Self.knownTypes.contains(name) {
                throw fail("type", "unknown type \(name.debugDescription)")
            }
            n.types = names
        }
        if let e = o["enum"] {
            guard let a = e.array else { throw fail("enum", "must be an array") }
            n.enumValues = a
        }
        n.constValue = o["const"]
        n.minimum = try number("minimum")
        n.maximum = try number("maximum")
        n.exclusiveMinimum = try number("exclusiveMinimum")
        n.exclusiveMaximum = try number("exclusiveMaximum")
        n.multipleOf = try number("multipleOf")
        if let m = n.multipleOf, m <= 0 { throw fail("multipleOf", "must be greater than 0") }
        n.minLength = try count("minLength")
        n.maxLength = try count("maxLength")
        if let p = o["pattern"] {
            guard let s = p.string else { throw fail("pattern", "must be a string") }
            do { n.pattern = try Pattern(s) } catch { throw fail("pattern", "invalid regular expression \(s.debugDescription)") }
        }
        if let f = o["format"] {
            guard let s = f.string else { throw fail("format", "must be a string") }
            n.format = s
        }
        if let r = o["required"] {
            guard let a = r.array, a.allSatisfy({ $0.string != nil }) else { throw fail("required", "must be an array of strings") }
            n.required = a.compactMap(\.string)
        }
        if let p = o["properties"] {
            guard let po = p.object else { throw fail("properties", "must be an object") }
            n.properties = try po.map { m in
                (Array(m.key.utf8), m.key, try node(m.value, at: "\(path)/properties/\(m.key)"))
            }
        }
        if let p = o["patternProperties"] {
            guard let po = p.object else { throw fail("patternProperties", "must be an object") }
            n.patternProperties = try po.map { m in
                let pattern: Pattern
                do { pattern = try Pattern(m.key) } catch {
                    throw fail("patternProperties", "invalid regular expression \(m.key.debugDescription)")
                }
                return (pattern, try node(m.value, at: "\(path)/patternProperties/\(m.key)"))
            }
        }
        n.additionalProperties = try sub("additionalProperties")
        n.propertyNames = try sub("propertyNames")
        n.minProperties = try count("minProperties")
        n.maxProperties = try count("maxProperties")
        if let d = o["dependentRequired"] {
            guard let dobj = d.object else { throw fail("dependentRequired", "must be an object") }
            n.dependentRequired = try dobj.map { m in
                guard let a = m.value.array, a.allSatisfy({ $0.string != nil }) else {
                    throw fail("dependentRequired", "\(m.key): must be an array of strings")
                }
                return (m.key, a.compactMap(\.string))
            }
        }
        n.prefixItems = try list("prefixItems")
        n.items = try sub("items")
        n.contains = try sub("contains")
        n.minContains = try count("minContains")
        n.maxContains = try count("maxContains")
        n.minItems = try count("minItems")
        n.maxItems = try count("maxItems")
        if let u = o["uniqueItems"] {
            guard let b = u.bool else { throw fail("uniqueItems", "must be a boolean") }
            n.uniqueItems = b
        }
        n.allOf = try list("allOf")
        n.anyOf = try list("anyOf")
        n.oneOf = try list("oneOf")
        n.not = try sub("not")
        n.ifNode = try sub("if")
        n.thenNode = try sub("then")
        n.elseNode = try sub("else")
        if let defs = o["$defs"] ?? o["definitions"] {
            guard let d = defs.object else { throw fail("$defs", "must be an object") }
            let key = o["$defs"] != nil ? "$defs" : "definitions"
            for m in d { _ = try node(m.value, at: "\(path)/\(key)/\(m.key)") }
        }
        if let r = o["$ref"] {
            guard let s = r.string else { throw fail("$ref", "must be a string") }
            guard s.hasPrefix("#") else { throw fail("$ref", "only references within the schema (#…) are supported") }
            n.ref = s
        }
        return finish(n, at: path)
    }

    private mutating func finish(_ draft: SchemaNode.Keywords, at path: String) -> SchemaNode {
        let node = SchemaNode(draft, id: nextID)
        nextID += 1
        byPointer[path] = node
        if let ref = draft.ref { refs.append((node.id, ref)) }
        return node
    }
}

extension String {
    var removingPercentEncodingIfNeeded: String {
        contains("%") ? (replacingOccurrences(of: "%25", with: "%")) : self
    }
}
