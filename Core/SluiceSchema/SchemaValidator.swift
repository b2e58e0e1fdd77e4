import SluiceSDK
#if canImport(Glibc)
import Glibc
#endif

/// Checks BSON documents against one compiled `JSONSchema`, reusing its
/// buffers (failures, instance path, regex match data) from record to record.
///
/// Not thread-safe: a processor keeps one per instance (the host calls an
/// instance from one thread at a time). `isValid` stops at the first failure
/// and builds no message or path; `validate` lists failures up to a cap.
public final class SchemaValidator {
    public let schema: JSONSchema
    private let nodes: [SchemaNode]
    private let matchData = MatchData()
    /// The counters the walk reads at every node. They live behind a pointer
    /// because a class's stored `var`s pay a dynamic exclusivity check per
    /// access, which was a tenth of the cost of a valid record.
    private struct Counters {
        /// Reasons are recorded only while this is 0; inside `anyOf`, `not`… and
        /// in `isValid` it is positive and the walk returns at the first failure.
        var quiet = 0
        var limit = Int.max
        var recorded = 0
        var depth = 0
        /// Annotation sets no longer in use, handed out again instead of allocating.
        var spare: [Evaluated] = []
    }

    private let counters = UnsafeMutablePointer<Counters>.allocate(capacity: 1)
    private var quiet: Int {
        get { counters.pointee.quiet }
        set { counters.pointee.quiet = newValue }
    }

    private var depth: Int {
        get { counters.pointee.depth }
        set { counters.pointee.depth = newValue }
    }

    private var failures: [ValidationFailure] = []
    /// Instance path tokens (unescaped), kept only while reporting.
    private var path: [String] = []
    /// Resources entered, outermost first: what `$dynamicRef` searches.
    private var scope: [Int] = []

    /// Deeper instances fail rather than exhaust the thread's stack.
    public static let maxDepth = 200

    public init(_ schema: JSONSchema) {
        self.schema = schema
        nodes = schema.nodes
        counters.initialize(to: Counters())
    }

    deinit {
        counters.deinitialize(count: 1)
        counters.deallocate()
    }

    /// An empty annotation set, reused when one is spare.
    private func fresh() -> Evaluated {
        guard let e = counters.pointee.spare.popLast() else { return Evaluated() }
        e.reset()
        return e
    }

    private func recycle(_ e: Evaluated) { counters.pointee.spare.append(e) }

    /// Whether `document` is valid, stopping at the first failure.
    public func isValid(_ document: BSONDocument) -> Bool {
        reset(quiet: 1)
        return check(schema.root, Instance(document: document), nil)
    }

    /// The failures of `document` (at most `limit`), or [] when it is valid.
    public func validate(_ document: BSONDocument, limit: Int = .max) -> [ValidationFailure] {
        validate(Instance(document: document), limit: limit)
    }

    func validate(_ instance: Instance, limit: Int) -> [ValidationFailure] {
        reset(quiet: 0)
        counters.pointee.limit = max(limit, 1)
        _ = check(schema.root, instance, nil)
        return failures
    }

    private func reset(quiet: Int) {
        counters.pointee.quiet = quiet
        counters.pointee.limit = .max
        counters.pointee.recorded = 0
        counters.pointee.depth = 0
        failures.removeAll(keepingCapacity: true)
        path.removeAll(keepingCapacity: true)
        scope.removeAll(keepingCapacity: true)
    }

    /// Records a failure; true when the walk should return now (quiet, or the cap is reached).
    private func fail(_ node: SchemaNode, _ keyword: String, _ reason: @autoclosure () -> String) -> Bool {
        if quiet > 0 { return true }
        let pointer = path.isEmpty ? "" : "/" + path.map(JSONPointer.escape).joined(separator: "/")
        failures.append(ValidationFailure(path: pointer, keyword: keyword, reason: reason(),
                                          schemaPath: keyword == "false" ? node.location : node.location + "/" + keyword))
        counters.pointee.recorded += 1
        return counters.pointee.recorded >= counters.pointee.limit
    }

    /// Records a failure and answers false, for a value a `false` schema refuses.
    private func refuse(_ node: SchemaNode, _ keyword: String, _ reason: @autoclosure () -> String) -> Bool {
        _ = fail(node, keyword, reason())
        return false
    }

    private var stopped: Bool { quiet > 0 || counters.pointee.recorded >= counters.pointee.limit }

    @inline(__always) private func enter(_ token: @autoclosure () -> String) {
        if quiet == 0 { path.append(token()) }
        depth += 1
    }

    @inline(__always) private func leave() {
        if quiet == 0 { path.removeLast() }
        depth -= 1
    }

    /// Validity of `v` under `n` without recording why (anyOf branches, not, if, contains…).
    private func trial(_ n: Int, _ v: Instance, _ evaluated: Evaluated?) -> Bool {
        quiet += 1
        defer { quiet -= 1 }
        return check(n, v, evaluated)
    }

    private func check(_ index: Int, _ v: Instance, _ outer: Evaluated?) -> Bool {
        let node = nodes[index]
        if let target = node.onlyRef, !schema.usesDynamicScope { return check(target, v, outer) }
        if let always = node.k.always {
            return always || refuse(node, "false", "no value is allowed here")
        }
        if depth > Self.maxDepth {
            return refuse(node, "depth", "nested deeper than \(Self.maxDepth) levels")
        }
        let pushed = schema.usesDynamicScope && scope.last != node.resource
        if pushed { scope.append(node.resource) }
        defer { if pushed { scope.removeLast() } }
        let own = node.collects ? fresh() : nil
        defer { if let own { recycle(own) } }
        let evaluated = own ?? outer
        var ok = true

        if let target = node.k.ref, !check(target, v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if let dynamic = node.k.dynamicRef, !check(resolve(dynamic), v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if let mask = node.typeMask, mask.isDisjoint(with: v.typeMask) {
            _ = fail(node, "type", "expected \(node.k.types!.joined(separator: " or ")), got \(v.typeName)")
            return false
        }
        if let values = node.k.enumValues, !values.contains(where: v.equals) {
            ok = false
            if fail(node, "enum", "\(v.shortDescription) is not one of \(values.map { JSONWriter.string($0.json) }.joined(separator: ", "))") {
                return false
            }
        }
        if let c = node.k.constValue, !v.equals(c) {
            ok = false
            if fail(node, "const", "expected \(JSONWriter.string(c.json)), got \(v.shortDescription)") { return false }
        }
        if node.checksNumbers, let x = v.number, !checkNumber(node, x) {
            ok = false
            if stopped { return false }
        }
        if node.checksStrings, v.isString, !checkString(node, v) {
            ok = false
            if stopped { return false }
        }
        if node.looksInside, let doc = v.document {
            if !(v.isArray ? checkArray(node, doc, evaluated) : checkObject(node, doc, evaluated)) {
                ok = false
                if stopped { return false }
            }
        }
        if node.hasInPlace, !checkInPlace(node, v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if node.collects, let doc = v.document, let evaluated {
            if !checkUnevaluated(node, doc, isArray: v.isArray, evaluated) { return false }
            if ok, let outer { outer.merge(evaluated) }
        }
        return ok
    }

    /// The innermost-first rule of `$dynamicRef`: the outermost resource in
    /// scope that declares the anchor wins.
    private func resolve(_ d: SchemaNode.DynamicRef) -> Int {
        if !d.candidates.isEmpty {
            for resource in scope { if let n = d.candidates[resource] { return n } }
        }
        return d.target
    }

    /// allOf, anyOf, oneOf, not, if/then/else, dependentSchemas.
    private func checkInPlace(_ node: SchemaNode, _ v: Instance, _ evaluated: Evaluated?) -> Bool {
        var ok = true
        for sub in node.k.allOf where !check(sub, v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if !node.k.anyOf.isEmpty {
            var any = false
            for sub in node.k.anyOf {
                if let evaluated {
                    // Every passing branch's annotations count, so no short cut.
                    let branch = fresh()
                    if trial(sub, v, branch) { any = true; evaluated.merge(branch) }
                    recycle(branch)
                } else if trial(sub, v, nil) {
                    any = true
                    break
                }
            }
            if !any {
                ok = false
                if fail(node, "anyOf", "matches none of the \(node.k.anyOf.count) alternatives") { return false }
            }
        }
        if !node.k.oneOf.isEmpty {
            var passed = 0
            var winner: Evaluated?
            for sub in node.k.oneOf {
                let branch = evaluated == nil ? nil : fresh()
                if trial(sub, v, branch) {
                    passed += 1
                    if let previous = winner { recycle(previous) }
                    winner = branch
                    if passed > 1 { break }
                } else if let branch {
                    recycle(branch)
                }
            }
            defer { if let winner { recycle(winner) } }
            if passed != 1 {
                ok = false
                if fail(node, "oneOf", "matches \(passed == 0 ? "none" : "more than one") of the \(node.k.oneOf.count) alternatives, expected exactly one") {
                    return false
                }
            } else if let winner, let evaluated {
                evaluated.merge(winner)
            }
        }
        if let not = node.k.not, trial(not, v, nil) {
            ok = false
            if fail(node, "not", "must not match the schema under 'not'") { return false }
        }
        if let condition = node.k.ifNode {
            let branch = evaluated == nil ? nil : fresh()
            defer { if let branch { recycle(branch) } }
            let next: Int?
            if trial(condition, v, branch) {
                if let branch, let evaluated { evaluated.merge(branch) }
                next = node.k.thenNode
            } else {
                next = node.k.elseNode
            }
            if let next, !check(next, v, evaluated) {
                ok = false
                if stopped { return false }
            }
        }
        if !node.k.dependentSchemas.isEmpty, !v.isArray, let doc = v.document {
            for (key, sub) in node.k.dependentSchemas where doc[key] != nil && !check(sub, v, evaluated) {
                ok = false
                if stopped { return false }
            }
        }
        return ok
    }

    private func checkNumber(_ node: SchemaNode, _ x: ExactNumber) -> Bool {
        var ok = true
        func bad(_ keyword: String, _ reason: @autoclosure () -> String) -> Bool {
            ok = false
            return fail(node, keyword, reason())
        }
        if let m = node.k.minimum, ExactNumber.compare(x, m) < 0,
           bad("minimum", "\(x.description) is less than the minimum \(m.description)") { return false }
        if let m = node.k.maximum, ExactNumber.compare(x, m) > 0,
           bad("maximum", "\(x.description) is greater than the maximum \(m.description)") { return false }
        if let m = node.k.exclusiveMinimum, ExactNumber.compare(x, m) <= 0,
           bad("exclusiveMinimum", "\(x.description) must be greater than \(m.description)") { return false }
        if let m = node.k.exclusiveMaximum, ExactNumber.compare(x, m) >= 0,
           bad("exclusiveMaximum", "\(x.description) must be less than \(m.description)") { return false }
        if let m = node.k.multipleOf, !m.divisor.divides(x),
           bad("multipleOf", "\(x.description) is not a multiple of \(m.value.description)") { return false }
        return ok
    }

    private func checkString(_ node: SchemaNode, _ v: Instance) -> Bool {
        var ok = true
        if node.k.minLength != nil || node.k.maxLength != nil {
            let n = v.codePointCount
            if let m = node.k.minLength, n < m {
                ok = false
                if fail(node, "minLength", "length \(n) is less than \(m)") { return false }
            }
            if let m = node.k.maxLength, n > m {
                ok = false
                if fail(node, "maxLength", "length \(n) is greater than \(m)") { return false }
            }
        }
        if let p = node.k.pattern {
            let matched = v.stringBytes.map { p.matches($0, matchData) } ?? p.matches(v.string)
            if !matched {
                ok = false
                if fail(node, "pattern", "\(v.string.debugDescription) does not match \(p.source.debugDescription)") { return false }
            }
        }
        if let f = node.k.format {
            // A BSON date is a date-time by construction, and nothing else.
            let valid = v.type == .datetime ? f == .dateTime : f.check(v.string)
            if !valid {
                ok = false
                if fail(node, "format", "\(v.string.debugDescription) is not a valid \(f.rawValue)") { return false }
            }
        }
        return ok
    }

    private func checkObject(_ node: SchemaNode, _ doc: BSONDocument, _ evaluated: Evaluated?) -> Bool {
        var ok = true
        var count = 0
        let requiredCount = node.k.required.count
        // Up to 64 required names are ticked off in a bit set: no allocation per record.
        var seenBits: UInt64 = 0
        var seen = requiredCount > 64 ? [Bool](repeating: false, count: requiredCount) : []
        for (position, e) in doc.elements.enumerated() {
            count += 1
            let key = e.keyBytes
            let hash = requiredCount > 0 || !node.k.properties.isEmpty ? PropertyTable.hash(key) : 0
            if requiredCount > 0, let i = node.requiredTable.find(key, hash: hash) {
                if requiredCount <= 64 { seenBits |= 1 << i } else { seen[i] = true }
            }
            var matched = false
            if let i = node.property(key, hash: hash) {
                matched = true
                enter(node.k.properties[i].name)
                let passed = check(node.propertyNodes[i], Instance(element: e), nil)
                leave()
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            for (pattern, sub) in node.k.patternProperties where pattern.matches(key, matchData) {
                matched = true
                enter(e.key)
                let passed = check(sub, Instance(element: e), nil)
                leave()
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            if let names = node.k.propertyNames, !trial(names, Instance(name: key), nil) {
                ok = false
                if fail(node, "propertyNames", "property name \(e.key.debugDescription) is not allowed") { return false }
            }
            if !matched, let additional = node.k.additionalProperties {
                matched = true
                enter(e.key)
                let passed = nodes[additional].k.always == false
                    ? refuse(node, "additionalProperties", "unknown property \(e.key.debugDescription)")
                    : check(additional, Instance(element: e), nil)
                leave()
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            if matched, let evaluated { evaluated.add(position) }
        }
        for i in 0 ..< requiredCount where requiredCount <= 64 ? seenBits & (1 << i) == 0 : !seen[i] {
            ok = false
            if fail(node, "required", "missing required property \(node.k.required[i].debugDescription)") { return false }
        }
        for (key, needs) in node.k.dependentRequired where doc[key] != nil {
            for need in needs where doc[need] == nil {
                ok = false
                if fail(node, "dependentRequired", "\(need.debugDescription) is required when \(key.debugDescription) is present") {
                    return false
                }
            }
        }
        if let m = node.k.minProperties, count < m {
            ok = false
            if fail(node, "minProperties", "has \(count) properties, fewer than \(m)") { return false }
        }
        if let m = node.k.maxProperties, count > m {
            ok = false
            if fail(node, "maxProperties", "has \(count) properties, more than \(m)") { return false }
        }
        return ok
    }

    private func checkArray(_ node: SchemaNode, _ doc: BSONDocument, _ evaluated: Evaluated?) -> Bool {
        var ok = true
        var count = 0
        var containsCount = 0
        var values: [Constant] = []
        for (i, e) in doc.elements.enumerated() {
            count += 1
            let item = Instance(element: e)
            let sub = i < node.k.prefixItems.count ? node.k.prefixItems[i] : node.k.items
            if let sub {
                enter(String(i))
                let passed = check(sub, item, nil)
                leave()
                evaluated?.add(i)
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            if let c = node.k.contains {
                depth += 1
                let found = trial(c, item, nil)
                depth -= 1
                if found {
                    containsCount += 1
                    evaluated?.add(i)
                }
            }
            if node.k.uniqueItems { values.append(item.constant) }
        }
        if let m = node.k.minItems, count < m {
            ok = false
            if fail(node, "minItems", "has \(count) items, fewer than \(m)") { return false }
        }
        if let m = node.k.maxItems, count > m {
            ok = false
            if fail(node, "maxItems", "has \(count) items, more than \(m)") { return false }
        }
        if node.k.contains != nil {
            let minimum = node.k.minContains ?? 1
            if containsCount < minimum {
                ok = false
                if fail(node, "contains", "\(containsCount) item(s) match 'contains', expected at least \(minimum)") { return false }
            }
            if let m = node.k.maxContains, containsCount > m {
                ok = false
                if fail(node, "maxContains", "\(containsCount) items match 'contains', expected at most \(m)") { return false }
            }
        }
        if node.k.uniqueItems {
            search: for i in values.indices {
                for j in values.indices where j > i && values[i] == values[j] {
                    ok = false
                    if fail(node, "uniqueItems", "items \(i) and \(j) are equal") { return false }
                    break search
                }
            }
        }
        return ok
    }

    /// Applies `unevaluatedProperties`/`unevaluatedItems` to what nothing else evaluated.
    private func checkUnevaluated(_ node: SchemaNode, _ doc: BSONDocument, isArray: Bool, _ evaluated: Evaluated) -> Bool {
        var ok = true
        if isArray, let sub = node.k.unevaluatedItems {
            for (i, e) in doc.elements.enumerated() where !evaluated.has(i) {
                enter(String(i))
                let passed = nodes[sub].k.always == false
                    ? refuse(node, "unevaluatedItems", "item \(i) is not allowed here")
                    : check(sub, Instance(element: e), nil)
                leave()
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            if ok { evaluated.addAll() }
        }
        if !isArray, let sub = node.k.unevaluatedProperties {
            for (position, e) in doc.elements.enumerated() where !evaluated.has(position) {
                enter(e.key)
                let passed = nodes[sub].k.always == false
                    ? refuse(node, "unevaluatedProperties", "unevaluated property \(e.key.debugDescription)")
                    : check(sub, Instance(element: e), nil)
                leave()
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            if ok { evaluated.addAll() }
        }
        return ok
    }
}
