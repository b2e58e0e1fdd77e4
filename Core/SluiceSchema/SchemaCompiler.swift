import Foundation
import SluiceSDK

/// Turns schema JSON into `SchemaNode`s. Every subschema and every `$ref`
/// target gets one node, memoised by location, so recursion compiles to a
/// cycle of indices; references resolve against `$id` base URIs, anchors and
/// JSON Pointers, loading referenced files; then cycles that never move into
/// the instance are refused.
struct SchemaCompiler {
    typealias Location = SchemaRegistry.Location

    private var registry = SchemaRegistry()
    private let options: SchemaOptions
    private var index: [Location: Int] = [:]
    private var drafts: [SchemaNode.Keywords?] = []
    private var places: [(location: String, resource: Int)] = []
    /// Dynamic references whose candidates are filled in once every document is loaded.
    private var dynamicRefs: [(node: Int, name: String, target: Int, targetLocation: Location)] = []

    struct Output {
        let nodes: [SchemaNode]
        let root: Int
        let usesDynamicScope: Bool
    }

    static func compile(_ schema: JSONValue, options: SchemaOptions) throws -> Output {
        var c = SchemaCompiler(options: options)
        let root = try c.registry.add(schema, uri: rootURI(options))
        let rootNode = try c.node(at: Location(document: root, pointer: ""))
        try c.resolveDynamicRefs()
        let nodes = c.drafts.enumerated().map { i, k in SchemaNode(k!, location: c.places[i].location, resource: c.places[i].resource) }
        try checkCycles(nodes)
        return Output(nodes: nodes, root: rootNode, usesDynamicScope: !c.dynamicRefs.isEmpty)
    }

    private init(options: SchemaOptions) { self.options = options }

    /// The root's base URI: its file, or a folder for a schema given inline.
    private static func rootURI(_ options: SchemaOptions) -> URIReference {
        if let file = options.file { return URIReference("file://" + encodePath(absolute(file))) }
        let dir = options.directory.map(absolute) ?? FileManager.default.currentDirectoryPath
        return URIReference("file://" + encodePath(dir.hasSuffix("/") ? dir : dir + "/"))
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    private static func encodePath(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
    }

    private func describe(_ location: Location) -> String {
        location.document == 0 ? location.pointer : registry.documents[location.document].uri.withoutFragment.text + "#" + location.pointer
    }

    /// The node for the schema at `location`, compiling it (and what it refers to) on first use.
    private mutating func node(at location: Location) throws -> Int {
        if let i = index[location] { return i }
        guard let json = registry.value(at: location) else {
            throw SchemaError(path: describe(location), reason: "no schema here")
        }
        let i = drafts.count
        index[location] = i
        drafts.append(nil)
        let context = registry.context(at: location)
        places.append((describe(location), context.resource))
        drafts[i] = try keywords(json, at: location, context)
        return i
    }

    private mutating func keywords(_ json: JSONValue, at location: Location, _ context: SchemaRegistry.Context) throws -> SchemaNode.Keywords {
        var n = SchemaNode.Keywords()
        if case let .bool(b) = json {
            n.always = b
            return n
        }
        guard case let .object(o) = json else {
            throw SchemaError(path: describe(location), reason: "a schema must be an object or a boolean")
        }
        let path = describe(location)
        func fail(_ tokens: String..., reason: String) -> SchemaError {
            SchemaError(path: path + tokens.map { "/" + JSONPointer.escape($0) }.joined(), reason: reason)
        }
        func fail(_ key: String, _ reason: String) -> SchemaError { fail(key, reason: reason) }
        func number(_ key: String) throws -> ExactNumber? {
            switch o[key] {
            case nil: return nil
            case let .int(i)?: return .int(i)
            case let .double(d)?: return .double(d)
            default: throw fail(key, "must be a number")
            }
        }
        func count(_ key: String) throws -> Int? {
            guard let v = o[key] else { return nil }
            guard let i = v.integer, i >= 0 else { throw fail(key, "must be a non-negative integer") }
            return Int(i)
        }
        func sub(_ key: String) throws -> Int? {
            guard o[key] != nil else { return nil }
            return try node(at: location.appending(key))
        }
        func list(_ key: String) throws -> [Int] {
            guard let v = o[key] else { return [] }
            guard let a = v.array, !a.isEmpty else { throw fail(key, "must be a non-empty array of schemas") }
            return try a.indices.map { try node(at: location.appending(key).appending(String($0))) }
        }
        func map(_ key: String) throws -> [(key: String, node: Int)] {
            guard let v = o[key] else { return [] }
            guard let members = v.object else { throw fail(key, "must be an object of schemas") }
            return try members.map { m in (m.key, try node(at: location.appending(key).appending(m.key))) }
        }
        func strings(_ value: JSONValue, _ tokens: String...) throws -> [String] {
            guard let a = value.array, a.allSatisfy({ $0.string != nil }) else {
                throw SchemaError(path: path + tokens.map { "/" + JSONPointer.escape($0) }.joined(), reason: "must be an array of strings")
            }
            return a.compactMap(\.string)
        }

        if let r = o["$ref"] {
            guard let s = r.string else { throw fail("$ref", "must be a string") }
            n.ref = try node(at: resolve(s, context, at: "\(path)/$ref"))
            // Draft 7: keywords beside $ref are ignored.
            if context.draft == .draft7 { return n }
        }
        if let r = o["$dynamicRef"] {
            guard let s = r.string else { throw fail("$dynamicRef", "must be a string") }
            let targetLocation = try resolve(s, context, at: "\(path)/$dynamicRef")
            let target = try node(at: targetLocation)
            let fragment = URIReference(s).fragment ?? ""
            if !fragment.isEmpty, !fragment.hasPrefix("/") {
                dynamicRefs.append((index[location]!, fragment, target, targetLocation))
            }
            n.dynamicRef = SchemaNode.DynamicRef(target: target, candidates: [:])
        }
        if let t = o["type"] {
            let names: [String]
            if let s = t.string { names = [s] } else if let a = t.array, !a.isEmpty, a.allSatisfy({ $0.string != nil }) {
                names = a.compactMap(\.string)
            } else {
                throw fail("type", "must be a type name or a non-empty array of them")
            }
            for name in names where TypeMask.names[name] == nil {
                throw fail("type", "unknown type \(name.debugDescription) (null, boolean, object, array, number, integer, string)")
            }
            n.types = names
        }
        if let e = o["enum"] {
            guard let a = e.array else { throw fail("enum", "must be an array") }
            n.enumValues = a.map(Constant.init)
        }
        n.constValue = o["const"].map(Constant.init)
        n.minimum = try number("minimum")
        n.maximum = try number("maximum")
        n.exclusiveMinimum = try number("exclusiveMinimum")
        n.exclusiveMaximum = try number("exclusiveMaximum")
        if let m = try number("multipleOf") {
            guard let divisor = Divisor(m) else { throw fail("multipleOf", "must be greater than 0") }
            n.multipleOf = (divisor, m)
        }
        n.minLength = try count("minLength")
        n.maxLength = try count("maxLength")
        if let p = o["pattern"] {
            guard let s = p.string else { throw fail("pattern", "must be a string") }
            do { n.pattern = try Pattern(s) } catch let e as SchemaError { throw fail("pattern", e.reason) }
        }
        if let f = o["format"] {
            guard let s = f.string else { throw fail("format", "must be a string") }
            if options.formatAssertion {
                guard let format = Format(rawValue: s) else {
                    throw fail("format", "unknown format \(s.debugDescription): with format_assertion every format must be one Sluice checks (\(Format.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                n.format = format
            }
        }
        if let r = o["required"] {
            // Duplicates are allowed by nothing but harmless; each name is checked once.
            var unique: Set<String> = []
            n.required = try strings(r, "required").filter { unique.insert($0).inserted }
        }
        if let p = o["properties"] {
            guard p.object != nil else { throw fail("properties", "must be an object of schemas") }
            n.properties = try map("properties").map { (Array($0.key.utf8), $0.key, $0.node) }
        }
        if let p = o["patternProperties"] {
            guard let members = p.object else { throw fail("patternProperties", "must be an object of schemas") }
            n.patternProperties = try members.map { m in
                let pattern: Pattern
                do { pattern = try Pattern(m.key) } catch let e as SchemaError { throw fail("patternProperties", e.reason) }
                return (pattern, try node(at: location.appending("patternProperties").appending(m.key)))
            }
        }
        n.additionalProperties = try sub("additionalProperties")
        n.propertyNames = try sub("propertyNames")
        n.minProperties = try count("minProperties")
        n.maxProperties = try count("maxProperties")
        if let d = o["dependentRequired"] {
            guard let members = d.object else { throw fail("dependentRequired", "must be an object") }
            n.dependentRequired = try members.map { ($0.key, try strings($0.value, "dependentRequired", $0.key)) }
        }
        n.dependentSchemas = try map("dependentSchemas")
        n.unevaluatedProperties = try sub("unevaluatedProperties")
        n.unevaluatedItems = try sub("unevaluatedItems")
        if context.draft == .draft7, let d = o["dependencies"] {
            guard let members = d.object else { throw fail("dependencies", "must be an object") }
            for m in members {
                if m.value.array != nil {
                    n.dependentRequired.append((m.key, try strings(m.value, "dependencies", m.key)))
                } else {
                    n.dependentSchemas.append((m.key, try node(at: location.appending("dependencies").appending(m.key))))
                }
            }
        }
        if let items = o["items"], items.array != nil {
            guard context.draft == .draft7 else {
                throw fail("items", "an array of schemas is draft 7; in 2020-12 write prefixItems (or set $schema to draft-07)")
            }
            n.prefixItems = try list("items")
            n.items = try sub("additionalItems")
        } else {
            n.prefixItems = try list("prefixItems")
            n.items = try sub("items")
        }
        n.contains = try sub("contains")
        if context.draft == .draft2020 {
            n.minContains = try count("minContains")
            n.maxContains = try count("maxContains")
        }
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
        if n.ifNode != nil {
            n.thenNode = try sub("then")
            n.elseNode = try sub("else")
        }
        // Definitions are compiled so that a mistake in one is reported even if nothing refers to it yet.
        for key in ["$defs", "definitions"] { _ = try map(key) }
        return n
    }

    /// The location a reference names, loading the file it is in when needed.
    private mutating func resolve(_ reference: String, _ context: SchemaRegistry.Context, at path: String) throws -> Location {
        let target = URIReference(reference).resolved(against: context.base)
        let resourceURI = target.withoutFragment.text
        guard let fragment = JSONPointer.percentDecoded(target.fragment ?? "") else {
            throw SchemaError(path: path, reason: "\(reference.debugDescription) has a malformed %-escape")
        }
        let resource = try registry.resource(uri: resourceURI) ?? load(target.withoutFragment, reference: reference, at: path)
        if fragment.isEmpty { return resource }
        if fragment.hasPrefix("/") {
            guard let tokens = JSONPointer.tokens(fragment) else {
                throw SchemaError(path: path, reason: "\(reference.debugDescription): malformed JSON Pointer (~ must be followed by 0 or 1)")
            }
            var location = resource
            for token in tokens { location = location.appending(token) }
            guard registry.value(at: location) != nil else {
                throw SchemaError(path: path, reason: "$ref \(reference.debugDescription) points nowhere")
            }
            return location
        }
        guard let anchor = registry.anchor(fragment, in: resourceURI) else {
            throw SchemaError(path: path, reason: "$ref \(reference.debugDescription) points nowhere: no $anchor \(fragment.debugDescription) in \(resourceURI)")
        }
        return anchor
    }

    /// Reads a referenced schema file. Remote schemas are refused: a pipeline
    /// must not depend on a web server at start, nor change when it does.
    private mutating func load(_ uri: URIReference, reference: String, at path: String) throws -> Location {
        let scheme = uri.scheme ?? ""
        if scheme == "http" || scheme == "https" {
            throw SchemaError(path: path, reason: "$ref \(reference.debugDescription) is remote (\(uri.text)): Sluice never fetches schemas over the network; save it beside the schema and refer to it by a relative path")
        }
        guard scheme == "file", let file = JSONPointer.percentDecoded(uri.path) else {
            throw SchemaError(path: path, reason: "$ref \(reference.debugDescription) points nowhere: no schema has $id \(uri.text)")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SchemaError(path: path, reason: "$ref \(reference.debugDescription): cannot read \(file)")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(Array(data)) } catch {
            throw SchemaError(path: path, reason: "$ref \(reference.debugDescription): \(file) is not JSON: \(error)")
        }
        let document = try registry.add(json, uri: uri)
        return Location(document: document, pointer: "")
    }

    /// Fills each `$dynamicRef`'s candidates: when its static target declares
    /// the same `$dynamicAnchor`, every resource that declares it may take over.
    private mutating func resolveDynamicRefs() throws {
        var done = 0
        while done < dynamicRefs.count {
            let (referrer, name, target, targetLocation) = dynamicRefs[done]
            done += 1
            guard registry.value(at: targetLocation)?["$dynamicAnchor"]?.string == name else { continue }
            var candidates: [Int: Int] = [:]
            for (resource, location) in registry.dynamicAnchors[name] ?? [:] {
                candidates[resource] = try node(at: location)
            }
            drafts[referrer]!.dynamicRef = SchemaNode.DynamicRef(target: target, candidates: candidates)
        }
    }

    /// Refuses a cycle of references that evaluates the same instance again
    /// (`{"$ref": "#"}`, or a → b → a through allOf): it would recurse for ever.
    private static func checkCycles(_ nodes: [SchemaNode]) throws {
        var state = [UInt8](repeating: 0, count: nodes.count)
        var stack: [Int] = []
        func visit(_ i: Int) throws {
            state[i] = 1
            stack.append(i)
            for next in nodes[i].inPlace {
                if state[next] == 1 {
                    let cycle = stack[stack.lastIndex(of: next)!...].map { nodes[$0].location.isEmpty ? "#" : nodes[$0].location } + [nodes[next].location.isEmpty ? "#" : nodes[next].location]
                    throw SchemaError(path: nodes[next].location,
                                      reason: "reference cycle that never moves into the instance: \(cycle.joined(separator: " → "))")
                }
                if state[next] == 0 { try visit(next) }
            }
            stack.removeLast()
            state[i] = 2
        }
        for i in nodes.indices where state[i] == 0 { try visit(i) }
    }
}
