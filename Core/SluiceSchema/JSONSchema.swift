import SluiceSDK
#if canImport(Glibc)
import Glibc
#endif

/// A JSON Schema (draft 2020-12), compiled once and checked directly against
/// BSON documents: no conversion to JSON on the hot path.
///
/// Supported: type, enum, const, numeric and string bounds, pattern, format
/// (date-time, date, time, email, uuid, ipv4, hostname, uri), required,
/// properties, patternProperties, additionalProperties, propertyNames,
/// min/maxProperties, dependentRequired, prefixItems, items, contains,
/// min/maxContains, min/maxItems, uniqueItems, allOf, anyOf, oneOf, not,
/// if/then/else, and `$ref` to `#…` pointers (e.g. `#/$defs/x`, recursion included).
/// BSON dates and ObjectIds count as strings; a BSON date satisfies `format: date-time`.
/// `@unchecked Sendable`: the node tree is built once in `init` and never
/// mutated afterwards; validation only reads it, from any thread.
public final class JSONSchema: @unchecked Sendable {
    let root: SchemaNode
    let refTargets: [Int: SchemaNode]
    public let source: JSONValue

    public init(_ schema: JSONValue) throws {
        source = schema
        (root, refTargets) = try SchemaCompiler.compile(schema)
    }

    public convenience init(json: String) throws {
        let value: JSONValue
        do { value = try JSONParser.parse(json) } catch { throw SchemaError(path: "", reason: "\(error)") }
        try self.init(value)
    }

    /// Every failure of `document`, or [] when it is valid.
    public func validate(_ document: BSONDocument) -> [ValidationFailure] {
        let walk = Walk()
        check(root, Instance(document: document), walk)
        return walk.failures
    }

    /// Validates a JSON object (converted to BSON first: used for configs, not hot paths).
    public func validate(_ value: JSONValue) -> [ValidationFailure] {
        if case .object = value, let bytes = try? BSONFromJSON.document(value) {
            return bytes.withUnsafeBytes { validate(BSONDocument($0)) }
        }
        var w = BSONWriter()
        BSONFromJSON.append(&w, "v", value)
        let bytes = w.finish()
        return bytes.withUnsafeBytes { raw in
            let walk = Walk()
            check(root, Instance(element: BSONDocument(raw)["v"]!), walk)
            return walk.failures
        }
    }

    /// Whether `document` is valid, stopping at the first failure.
    public func isValid(_ document: BSONDocument) -> Bool {
        let walk = Walk()
        check(root, Instance(document: document), walk)
        return walk.failures.isEmpty
    }

    /// Whether `instance` matches `node`, without reporting into `walk`.
    private func matches(_ node: SchemaNode, _ instance: Instance, _ walk: Walk) -> Bool {
        let trial = Walk(path: walk.path)
        check(node, instance, trial)
        return trial.failures.isEmpty
    }

    private func check(_ node: SchemaNode, _ v: Instance, _ walk: Walk) {
        if let always = node.k.always {
            if !always { walk.fail("false", "no value is allowed here") }
            return
        }
        if node.k.ref != nil, let target = refTargets[node.id] { check(target, v, walk) }
        if let mask = node.typeMask, mask.isDisjoint(with: v.typeMask), let types = node.k.types {
            walk.fail("type", "expected \(types.joined(separator: " or ")), got \(v.typeName)")
            return
        }
        if let values = node.k.enumValues, !values.contains(v.jsonValue) {
            walk.fail("enum", "\(v.shortDescription) is not one of \(values.map { JSONWriter.string($0) }.joined(separator: ", "))")
        }
        if let c = node.k.constValue, c != v.jsonValue {
            walk.fail("const", "expected \(JSONWriter.string(c)), got \(v.shortDescription)")
        }
        if let x = v.number { checkNumber(node, x, walk) }
        if node.k.minLength != nil || node.k.maxLength != nil || node.k.pattern != nil || node.k.format != nil, v.isString {
            checkString(node, v, walk)
        }
        if let doc = v.document {
            if v.isArray { checkArray(node, doc, walk) } else { checkObject(node, doc, walk) }
        }
        for sub in node.k.allOf { check(sub, v, walk) }
        if !node.k.anyOf.isEmpty, !node.k.anyOf.contains(where: { matches($0, v, walk) }) {
            walk.fail("anyOf", "matches none of the \(node.k.anyOf.count) alternatives")
        }
        if !node.k.oneOf.isEmpty {
            let n = node.k.oneOf.filter { matches($0, v, walk) }.count
            if n != 1 { walk.fail("oneOf", "matches \(n) of the alternatives, expected exactly one") }
        }
        if let not = node.k.not, matches(not, v, walk) { walk.fail("not", "must not match the schema under 'not'") }
        if let condition = node.k.ifNode {
            if matches(condition, v, walk) {
                if let then = node.k.thenNode { check(then, v, walk) }
            } else if let otherwise = node.k.elseNode {
                check(otherwise, v, walk)
            }
        }
    }

    private func checkNumber(_ node: SchemaNode, _ x: Double, _ walk: Walk) {
        if let m = node.k.minimum, x < m { walk.fail("minimum", "\(format(x)) is less than the minimum \(format(m))") }
        if let m = node.k.maximum, x > m { walk.fail("maximum", "\(format(x)) is greater than the maximum \(format(m))") }
        if let m = node.k.exclusiveMinimum, x <= m { walk.fail("exclusiveMinimum", "\(format(x)) must be greater than \(format(m))") }
        if let m = node.k.exclusiveMaximum, x >= m { walk.fail("exclusiveMaximum", "\(format(x)) must be less than \(format(m))") }
        if let m = node.k.multipleOf {
            let q = x / m
            if abs(q - q.rounded()) > 1e-9 { walk.fail("multipleOf", "\(format(x)) is not a multiple of \(format(m))") }
        }
    }

    private func checkString(_ node: SchemaNode, _ v: Instance, _ walk: Walk) {
        if v.type == .datetime {
            if let f = node.k.format, f != "date-time" { walk.fail("format", "a date is not a valid \(f)") }
            return
        }
        if node.k.minLength != nil || node.k.maxLength != nil {
            let n = v.scalarCount
            if let m = node.k.minLength, n < m { walk.fail("minLength", "length \(n) is less than \(m)") }
            if let m = node.k.maxLength, n > m { walk.fail("maxLength", "length \(n) is greater than \(m)") }
        }
        guard node.k.pattern != nil || node.k.format != nil else { return }
        let s = v.string
        if let p = node.k.pattern, !p.matches(s) { walk.fail("pattern", "\(s.debugDescription) does not match \(p.source.debugDescription)") }
        if let f = node.k.format, !Formats.check(f, s) { walk.fail("format", "\(s.debugDescription) is not a valid \(f)") }
    }

    private func checkObject(_ node: SchemaNode, _ doc: BSONDocument, _ walk: Walk)
    {
        var count = 0
        var seen: [Bool] = node.k.required.isEmpty && node.k.dependentRequired.isEmpty ? [] : Array(repeating: false, count: node.k.required.count)
        var present: Set<String> = []
        let trackPresent = !node.k.dependentRequired.isEmpty
        for e in doc.elements {
            count += 1
            let keyBytes = e.keyBytes
            if !seen.isEmpty {
                for (i, r) in node.requiredBytes.enumerated() where !seen[i] && bytesEqual(r, keyBytes) { seen[i] = true }
            }
            if trackPresent { present.insert(e.key) }
            var evaluated = false
            for p in node.k.properties where bytesEqual(p.key, keyBytes) {
                evaluated = true
                walk.path.append(p.name)
                check(p.node, Instance(element: e), walk)
                walk.path.removeLast()
            }
            if !node.k.patternProperties.isEmpty || node.k.additionalProperties != nil || node.k.propertyNames != nil {
                let key = e.key
                for (pattern, sub) in node.k.patternProperties where pattern.matches(key) {
                    evaluated = true
                    walk.path.append(key)
                    check(sub, Instance(element: e), walk)
                    walk.path.removeLast()
                }
                if let names = node.k.propertyNames {
                    if !matches(names, Instance(string: key), walk) { walk.fail("propertyNames", "property name \(key.debugDescription) is not allowed") }
                }
                if !evaluated, let additional = node.k.additionalProperties {
                    if additional.k.always == false {
                        walk.path.append(key)
                        walk.fail("additionalProperties", "unknown property \(key.debugDescription)")
                        walk.path.removeLast()
                    } else {
                        walk.path.append(key)
                        check(additional, Instance(element: e), walk)
                        walk.path.removeLast()
                    }
                }
            }
        }
        for (i, r) in node.k.required.enumerated() where !seen[i] {
            walk.fail("required", "missing required property \(r.debugDescription)")
        }
        for (key, needs) in node.k.dependentRequired where present.contains(key) {
            for need in needs where !present.contains(need) {
                walk.fail("dependentRequired", "\(need.debugDescription) is required when \(key.debugDescription) is present")
            }
        }
        if let m = node.k.minProperties, count < m { walk.fail("minProperties", "has \(count) properties, fewer than \(m)") }
        if let m = node.k.maxProperties, count > m { walk.fail("maxProperties", "has \(count) properties, more than \(m)") }
    }

    private func checkArray(_ node: SchemaNode, _ doc: BSONDocument, _ walk: Walk)
    {
        var count = 0
        var containsCount = 0
        var values: [JSONValue] = []
        for (i, e) in doc.elements.enumerated() {
            count += 1
            let item = Instance(element: e)
            walk.path.append(String(i))
            if i < node.k.prefixItems.count {
                check(node.k.prefixItems[i], item, walk)
            } else if let items = node.k.items {
                check(items, item, walk)
            }
            if let c = node.k.contains, matches(c, item, walk) { containsCount += 1 }
            walk.path.removeLast()
            if node.k.uniqueItems { values.append(e.jsonValue) }
        }
        if let m = node.k.minItems, count < m { walk.fail("minItems", "has \(count) items, fewer than \(m)") }
        if let m = node.k.maxItems, count > m { walk.fail("maxItems", "has \(count) items, more than \(m)") }
        if node.k.contains != nil {
            let minimum = node.k.minContains ?? 1
            if containsCount < minimum { walk.fail("contains", "\(containsCount) item(s) match 'contains', expected at least \(minimum)") }
            if let m = node.k.maxContains, containsCount > m {
                walk.fail("maxContains", "\(containsCount) items match 'contains', expected at most \(m)")
            }
        }
        if node.k.uniqueItems {
            for i in values.indices {
                for j in values.indices where j > i && values[i] == values[j] {
                    walk.fail("uniqueItems", "items \(i) and \(j) are equal")
                    return
                }
            }
        }
    }

    @inline(__always)
    private func bytesEqual(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && a.withUnsafeBytes { memcmp($0.baseAddress!, b.baseAddress!, a.count) == 0 }
    }

    private func format(_ x: Double) -> String {
        x.rounded() == x && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}

/// The state of one validation: where we are in the instance, what failed.
final class Walk {
    var path: [String]
    var failures: [ValidationFailure] = []

    init(path: [String] = []) { self.path = path }

    func fail(_ keyword: String, _ reason: String) {
        failures.append(ValidationFailure(path: path.isEmpty ? "" : "/" + path.joined(separator: "/"), keyword: keyword, reason: reason))
    }
}
