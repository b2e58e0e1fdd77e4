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
        if let always = node.always {
            if !always { walk.fail("false", "no value is allowed here") }
            return
        }
        if node.ref != nil, let target = refTargets[node.id] { check(target, v, walk) }
        if let mask = node.typeMask, mask.isDisjoint(with: v.typeMask), let types = node.types {
            walk.fail("type", "expected \(types.joined(separator: " or ")), got \(v.typeName)")
            return
        }
        if let values = node.enumValues, !values.contains(v.jsonValue) {
            walk.fail("enum", "\(v.shortDescription) is not one of \(values.map { JSONWriter.string($0) }.joined(separator: ", "))")
        }
        if let c = node.constValue, c != v.jsonValue {
            walk.fail("const", "expected \(JSONWriter.string(c)), got \(v.shortDescription)")
        }
        if let x = v.number { checkNumber(node, x, walk) }
        if v.isString, node.minLength != nil || node.maxLength != nil || node.pattern != nil || node.format != nil {
            checkString(node, v, walk)
        }
        if let doc = v.document {
            if v.isArray { checkArray(node, doc, walk) } else { checkObject(node, doc, walk) }
        }
        for sub in node.allOf { check(sub, v, walk) }
        if !node.anyOf.isEmpty, !node.anyOf.contains(where: { matches($0, v, walk) }) {
            walk.fail("anyOf", "matches none of the \(node.anyOf.count) alternatives")
        }
        if !node.oneOf.isEmpty {
            let n = node.oneOf.filter { matches($0, v, walk) }.count
            if n != 1 { walk.fail("oneOf", "matches \(n) of the alternatives, expected exactly one") }
        }
        if let not = node.not, matches(not, v, walk) { walk.fail("not", "must not match the schema under 'not'") }
        if let condition = node.ifNode {
            if matches(condition, v, walk) {
                if let then = node.thenNode { check(then, v, walk) }
            } else if let otherwise = node.elseNode {
                check(otherwise, v, walk)
            }
        }
    }

    private func checkNumber(_ node: SchemaNode, _ x: Double, _ walk: Walk) {
        if let m = node.minimum, x < m { walk.fail("minimum", "\(format(x)) is less than the minimum \(format(m))") }
        if let m = node.maximum, x > m { walk.fail("maximum", "\(format(x)) is greater than the maximum \(format(m))") }
        if let m = node.exclusiveMinimum, x <= m { walk.fail("exclusiveMinimum", "\(format(x)) must be greater than \(format(m))") }
        if let m = node.exclusiveMaximum, x >= m { walk.fail("exclusiveMaximum", "\(format(x)) must be less than \(format(m))") }
        if let m = node.multipleOf {
            let q = x / m
            if abs(q - q.rounded()) > 1e-9 { walk.fail("multipleOf", "\(format(x)) is not a multiple of \(format(m))") }
        }
    }

    private func checkString(_ node: SchemaNode, _ v: Instance, _ walk: Walk) {
        if v.type == .datetime {
            if let f = node.format, f != "date-time" { walk.fail("format", "a date is not a valid \(f)") }
            return
        }
        if node.minLength != nil || node.maxLength != nil {
            let n = v.scalarCount
            if let m = node.minLength, n < m { walk.fail("minLength", "length \(n) is less than \(m)") }
            if let m = node.maxLength, n > m { walk.fail("maxLength", "length \(n) is greater than \(m)") }
        }
        guard node.pattern != nil || node.format != nil else { return }
        let s = v.string
        if let p = node.pattern, !p.matches(s) { walk.fail("pattern", "\(s.debugDescription) does not match \(p.source.debugDescription)") }
        if let f = node.format, !Formats.check(f, s) { walk.fail("format", "\(s.debugDescription) is not a valid \(f)") }
    }

    private func checkObject(_ node: SchemaNode, _ doc: BSONDocument, _ walk: Walk)
    {
        var count = 0
        var seen: [Bool] = node.required.isEmpty && node.dependentRequired.isEmpty ? [] : Array(repeating: false, count: node.required.count)
        var present: Set<String> = []
        let trackPresent = !node.dependentRequired.isEmpty
        for e in doc.elements {
            count += 1
            let keyBytes = e.keyBytes
            if !seen.isEmpty {
                for (i, r) in node.requiredBytes.enumerated() where !seen[i] && bytesEqual(r, keyBytes) { seen[i] = true }
            }
            if trackPresent { present.insert(e.key) }
            var evaluated = false
            for p in node.properties where bytesEqual(p.key, keyBytes) {
                evaluated = true
                walk.path.append(p.name)
                check(p.node, Instance(element: e), walk)
                walk.path.removeLast()
            }
            if !node.patternProperties.isEmpty || node.additionalProperties != nil || node.propertyNames != nil {
                let key = e.key
                for (pattern, sub) in node.patternProperties where pattern.matches(key) {
                    evaluated = true
                    walk.path.append(key)
                    check(sub, Instance(element: e), walk)
                    walk.path.removeLast()
                }
                if let names = node.propertyNames {
                    if !matches(names, Instance(string: key), walk) { walk.fail("propertyNames", "property name \(key.debugDescription) is not allowed") }
                }
                if !evaluated, let additional = node.additionalProperties {
                    if additional.always == false {
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
        for (i, r) in node.required.enumerated() where !seen[i] {
            walk.fail("required", "missing required property \(r.debugDescription)")
        }
        for (key, needs) in node.dependentRequired where present.contains(key) {
            for need in needs where !present.contains(need) {
                walk.fail("dependentRequired", "\(need.debugDescription) is required when \(key.debugDescription) is present")
            }
        }
        if let m = node.minProperties, count < m { walk.fail("minProperties", "has \(count) properties, fewer than \(m)") }
        if let m = node.maxProperties, count > m { walk.fail("maxProperties", "has \(count) properties, more than \(m)") }
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
            if i < node.prefixItems.count {
                check(node.prefixItems[i], item, walk)
            } else if let items = node.items {
                check(items, item, walk)
            }
            if let c = node.contains, matches(c, item, walk) { containsCount += 1 }
            walk.path.removeLast()
            if node.uniqueItems { values.append(e.jsonValue) }
        }
        if let m = node.minItems, count < m { walk.fail("minItems", "has \(count) items, fewer than \(m)") }
        if let m = node.maxItems, count > m { walk.fail("maxItems", "has \(count) items, more than \(m)") }
        if node.contains != nil {
            let minimum = node.minContains ?? 1
            if containsCount < minimum { walk.fail("contains", "\(containsCount) item(s) match 'contains', expected at least \(minimum)") }
            if let m = node.maxContains, containsCount > m {
                walk.fail("maxContains", "\(containsCount) items match 'contains', expected at most \(m)")
            }
        }
        if node.uniqueItems {
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
