import SluiceSDK
#if canImport(Glibc)
import Glibc
#endif

/// The keyword groups of one node: numbers, strings, an object's members, an
/// array's items, the in-place applicators and the unevaluated keywords.
extension SchemaValidator {
    /// The numeric keywords; bounds and value exact as doubles (the common
    /// case) take four float compares, inline in the caller.
    @inline(__always)
    func checkNumber(_ index: Int32, _ x: ExactNumber) -> Bool {
        let c = numberChecks + Int(ops[Int(index)].numbers)
        if c.pointee.boundsAreDoubles, let d = x.exactDouble, d >= c.pointee.low, d <= c.pointee.high,
           d > c.pointee.exclusiveLow, d < c.pointee.exclusiveHigh, c.pointee.multipleOf == nil {
            return true
        }
        return checkNumberExactly(index, x)
    }

    private func checkNumberExactly(_ index: Int32, _ x: ExactNumber) -> Bool {
        let c = numberChecks + Int(ops[Int(index)].numbers)
        var ok = true
        if let m = c.pointee.minimum, ExactNumber.compare(x, m) < 0 {
            ok = false
            if fail(index, "minimum", "\(x.description) is less than the minimum \(m.description)") { return false }
        }
        if let m = c.pointee.maximum, ExactNumber.compare(x, m) > 0 {
            ok = false
            if fail(index, "maximum", "\(x.description) is greater than the maximum \(m.description)") { return false }
        }
        if let m = c.pointee.exclusiveMinimum, ExactNumber.compare(x, m) <= 0 {
            ok = false
            if fail(index, "exclusiveMinimum", "\(x.description) must be greater than \(m.description)") { return false }
        }
        if let m = c.pointee.exclusiveMaximum, ExactNumber.compare(x, m) >= 0 {
            ok = false
            if fail(index, "exclusiveMaximum", "\(x.description) must be less than \(m.description)") { return false }
        }
        if let m = c.pointee.multipleOf, !m.divides(x) {
            ok = false
            if fail(index, "multipleOf", "\(x.description) is not a multiple of \(nodes[Int(index)].k.multipleOf!.value.description)") {
                return false
            }
        }
        return ok
    }

    func checkString(_ index: Int32, _ v: Instance) -> Bool {
        let op = ops + Int(index)
        var ok = true
        let minLength = Int(op.pointee.minLength), maxLength = Int(op.pointee.maxLength)
        // A string of n bytes has n/4 to n code points: most lengths are settled without counting.
        let bytes = v.stringBytes?.count
        if minLength >= 0 || maxLength >= 0, bytes.map({ (minLength < 0 || ($0 + 3) / 4 >= minLength) && (maxLength < 0 || $0 <= maxLength) }) != true {
            let n = v.codePointCount
            if minLength >= 0, n < minLength {
                ok = false
                if fail(index, "minLength", "length \(n) is less than \(minLength)") { return false }
            }
            if maxLength >= 0, n > maxLength {
                ok = false
                if fail(index, "maxLength", "length \(n) is greater than \(maxLength)") { return false }
            }
        }
        if op.pointee.pattern >= 0 {
            let p = patterns[Int(op.pointee.pattern)]
            let matched = v.stringBytes.map { p.matches($0, matchData) } ?? p.matches(v.string)
            if !matched {
                ok = false
                if fail(index, "pattern", "\(v.string.debugDescription) does not match \(p.source.debugDescription)") { return false }
            }
        }
        if let f = op.pointee.format {
            // A BSON date is a date-time by construction, and nothing else.
            let valid = v.type == BSONType.datetime.rawValue ? f == .dateTime : f.check(v.string)
            if !valid {
                ok = false
                if fail(index, "format", "\(v.string.debugDescription) is not a valid \(f.rawValue)") { return false }
            }
        }
        return ok
    }

    /// The `properties`/`required` entry named `key`, if the node knows it.
    @inline(__always)
    func entry(_ op: UnsafeMutablePointer<Op>, _ key: UnsafeRawBufferPointer) -> UnsafeMutablePointer<Program.Entry>? {
        let h = Program.hash(key)
        let mask = Int(op.pointee.slotMask)
        let table = slots + Int(op.pointee.slotStart)
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let i = Int(table[s])
            if i == 0 { return nil }
            let e = entries + Int(op.pointee.entryStart) + i - 1
            if e.pointee.hash == h, Int(e.pointee.keyCount) == key.count, Self.same(keyBytes + Int(e.pointee.keyStart), key) {
                return e
            }
            s = (s + 1) & mask
        }
    }

    /// Whether `key` holds the `key.count` bytes at `known`: names of up to
    /// 16 bytes (most) in two word compares, inline, instead of a call to memcmp.
    @inline(__always)
    private static func same(_ known: UnsafeMutablePointer<UInt8>, _ key: UnsafeRawBufferPointer) -> Bool {
        let n = key.count
        if n == 0 { return true }
        let a = UnsafeRawPointer(known), b = key.baseAddress!
        if n >= 8, n <= 16 {
            return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        return memcmp(a, b, n) == 0
    }

    func checkObject(_ index: Int32, _ v: Instance, _ evaluated: Int) -> Bool {
        let op = ops + Int(index)
        var ok = true
        let requiredCount = Int(op.pointee.requiredCount)
        let hasNames = op.pointee.slotMask >= 0
        // Up to 64 required names are ticked off in a word; more on the mark stack.
        var seen: UInt64 = 0
        let savedTop = state.pointee.marks.top
        defer { state.pointee.marks.top = savedTop }
        let seenSet = requiredCount > 64 ? state.pointee.marks.push(bound: requiredCount) : -1
        let patternCount = Int(op.pointee.patternCount)
        let additional = op.pointee.additional
        let names = op.pointee.propertyNames
        var count = 0
        var members = Members(v.value)
        while let (key, value) = members.next() {
            let position = count
            count += 1
            var matched = false
            if hasNames, let e = entry(op, key) {
                let bit = Int(e.pointee.required)
                if bit >= 0 {
                    if seenSet >= 0 { state.pointee.marks.add(seenSet, bit) } else { seen |= 1 << UInt64(bit) }
                }
                let sub = e.pointee.node
                if sub >= 0 {
                    matched = true
                    enter(.key(key))
                    let passed = check(sub, value, -1)
                    leave()
                    if !passed {
                        ok = false
                        if stopped { return false }
                    }
                }
            }
            for j in 0 ..< patternCount {
                let pair = lists + Int(op.pointee.patternStart) + 2 * j
                guard patterns[Int(pair[0])].matches(key, matchData) else { continue }
                matched = true
                enter(.key(key))
                let passed = check(pair[1], value, -1)
                leave()
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            if names >= 0, !trial(names, Instance(name: key), -1) {
                ok = false
                if fail(index, "propertyNames", "property name \(String(decoding: key, as: UTF8.self).debugDescription) is not allowed") {
                    return false
                }
            }
            if !matched, additional >= 0 {
                matched = true
                enter(.key(key))
                let passed = ops[Int(additional)].flags.contains(.alwaysFalse)
                    ? refuse(index, "additionalProperties", "unknown property \(String(decoding: key, as: UTF8.self).debugDescription)")
                    : check(additional, value, -1)
                leave()
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            if matched, evaluated >= 0 { state.pointee.marks.add(evaluated, position) }
        }
        if evaluated >= 0 { state.pointee.marks.setCount(evaluated, count) }
        let all: UInt64 = requiredCount >= 64 ? ~0 : (1 << UInt64(requiredCount)) - 1
        if requiredCount > 0, seenSet >= 0 || seen != all {
            for i in 0 ..< requiredCount where seenSet >= 0 ? !state.pointee.marks.has(seenSet, i) : seen & (1 << UInt64(i)) == 0 {
                ok = false
                if fail(index, "required", "missing required property \(nodes[Int(index)].k.required[i].debugDescription)") { return false }
            }
        }
        if op.pointee.flags.contains(.rare) {
            let doc = v.document
            for (key, needs) in nodes[Int(index)].k.dependentRequired where doc[key] != nil {
                for need in needs where doc[need] == nil {
                    ok = false
                    if fail(index, "dependentRequired", "\(need.debugDescription) is required when \(key.debugDescription) is present") {
                        return false
                    }
                }
            }
        }
        if op.pointee.minProperties >= 0, count < op.pointee.minProperties {
            ok = false
            if fail(index, "minProperties", "has \(count) properties, fewer than \(op.pointee.minProperties)") { return false }
        }
        if op.pointee.maxProperties >= 0, count > op.pointee.maxProperties {
            ok = false
            if fail(index, "maxProperties", "has \(count) properties, more than \(op.pointee.maxProperties)") { return false }
        }
        return ok
    }

    func checkArray(_ index: Int32, _ v: Instance, _ evaluated: Int) -> Bool {
        let op = ops + Int(index)
        var ok = true
        var count = 0
        var containsCount = 0
        let prefixCount = Int(op.pointee.prefixCount)
        let contains = op.pointee.contains
        let unique = op.pointee.flags.contains(.rare) && nodes[Int(index)].k.uniqueItems
        var values: [Constant] = []
        var items = Members(v.value)
        while let (_, item) = items.next() {
            let i = count
            count += 1
            let sub = i < prefixCount ? lists[Int(op.pointee.prefixStart) + i] : op.pointee.items
            if sub >= 0 {
                enter(.index(i))
                let passed = check(sub, item, -1)
                leave()
                if evaluated >= 0 { state.pointee.marks.add(evaluated, i) }
                if !passed {
                    ok = false
                    if stopped { return false }
                }
            }
            if contains >= 0 {
                state.pointee.depth += 1
                let found = trial(contains, item, -1)
                state.pointee.depth -= 1
                if found {
                    containsCount += 1
                    if evaluated >= 0 { state.pointee.marks.add(evaluated, i) }
                }
            }
            if unique { values.append(item.constant) }
        }
        if evaluated >= 0 { state.pointee.marks.setCount(evaluated, count) }
        if op.pointee.minItems >= 0, count < op.pointee.minItems {
            ok = false
            if fail(index, "minItems", "has \(count) items, fewer than \(op.pointee.minItems)") { return false }
        }
        if op.pointee.maxItems >= 0, count > op.pointee.maxItems {
            ok = false
            if fail(index, "maxItems", "has \(count) items, more than \(op.pointee.maxItems)") { return false }
        }
        if contains >= 0 {
            let minimum = Int(op.pointee.minContains)
            if containsCount < minimum {
                ok = false
                if fail(index, "contains", "\(containsCount) item(s) match 'contains', expected at least \(minimum)") { return false }
            }
            if op.pointee.maxContains >= 0, containsCount > op.pointee.maxContains {
                ok = false
                if fail(index, "maxContains", "\(containsCount) items match 'contains', expected at most \(op.pointee.maxContains)") {
                    return false
                }
            }
        }
        if unique {
            search: for i in values.indices {
                for j in values.indices where j > i && values[i] == values[j] {
                    ok = false
                    if fail(index, "uniqueItems", "items \(i) and \(j) are equal") { return false }
                    break search
                }
            }
        }
        return ok
    }

    /// allOf, anyOf, oneOf, not, if/then/else, dependentSchemas.
    func checkInPlace(_ index: Int32, _ v: Instance, _ evaluated: Int) -> Bool {
        let op = ops + Int(index)
        var ok = true
        for j in 0 ..< Int(op.pointee.allOfCount) where !check(lists[Int(op.pointee.allOfStart) + j], v, evaluated) {
            ok = false
            if stopped { return false }
        }
        let anyCount = Int(op.pointee.anyOfCount)
        if anyCount > 0 {
            var any = false
            for j in 0 ..< anyCount {
                let sub = lists[Int(op.pointee.anyOfStart) + j]
                if evaluated >= 0 {
                    // Every passing branch's annotations count, so no short cut.
                    let saved = state.pointee.marks.top
                    let branch = state.pointee.marks.push(bound: v.memberBound)
                    if trial(sub, v, branch) { any = true; state.pointee.marks.merge(into: evaluated, from: branch) }
                    state.pointee.marks.top = saved
                } else if trial(sub, v, -1) {
                    any = true
                    break
                }
            }
            if !any {
                ok = false
                if fail(index, "anyOf", "matches none of the \(anyCount) alternatives") { return false }
                if !quiet, listBranches(op.pointee.anyOfStart, anyCount, v) { return false }
            }
        }
        let oneCount = Int(op.pointee.oneOfCount)
        if oneCount > 0 {
            let saved = state.pointee.marks.top
            defer { state.pointee.marks.top = saved }
            let winner = evaluated >= 0 ? state.pointee.marks.push(bound: v.memberBound) : -1
            var passed = 0
            // Named in a report only (an empty array allocates nothing).
            var matching: [Int] = []
            for j in 0 ..< oneCount {
                let inner = state.pointee.marks.top
                let branch = evaluated >= 0 ? state.pointee.marks.push(bound: v.memberBound) : -1
                if trial(lists[Int(op.pointee.oneOfStart) + j], v, branch) {
                    passed += 1
                    if !quiet { matching.append(j) }
                    if branch >= 0 { state.pointee.marks.copy(into: winner, from: branch) }
                    // In isValid a second match settles it; a report names every branch that matched.
                    if passed > 1, quiet { break }
                }
                state.pointee.marks.top = inner
            }
            if passed != 1 {
                ok = false
                let which = passed == 0 ? "none" : "more than one (\(matching.map(String.init).joined(separator: ", ")))"
                if fail(index, "oneOf", "matches \(which) of the \(oneCount) alternatives, expected exactly one") { return false }
                if passed == 0, !quiet, listBranches(op.pointee.oneOfStart, oneCount, v) { return false }
            } else if winner >= 0 {
                state.pointee.marks.merge(into: evaluated, from: winner)
            }
        }
        if op.pointee.not >= 0, trial(op.pointee.not, v, -1) {
            ok = false
            if fail(index, "not", "must not match the schema under 'not'") { return false }
        }
        if op.pointee.ifNode >= 0 {
            let saved = state.pointee.marks.top
            let branch = evaluated >= 0 ? state.pointee.marks.push(bound: v.memberBound) : -1
            let next: Int32
            if trial(op.pointee.ifNode, v, branch) {
                if branch >= 0 { state.pointee.marks.merge(into: evaluated, from: branch) }
                next = op.pointee.thenNode
            } else {
                next = op.pointee.elseNode
            }
            state.pointee.marks.top = saved
            if next >= 0, !check(next, v, evaluated) {
                ok = false
                if stopped { return false }
            }
        }
        if op.pointee.flags.contains(.rare), v.isDocument {
            let doc = v.document
            for (key, sub) in nodes[Int(index)].k.dependentSchemas where doc[key] != nil && !check(Int32(sub), v, evaluated) {
                ok = false
                if stopped { return false }
            }
        }
        return ok
    }

    /// Records why each branch of a failed anyOf/oneOf failed (the basic
    /// output lists the errors under an applicator too); true when the cap is reached.
    private func listBranches(_ start: Int32, _ count: Int, _ v: Instance) -> Bool {
        for j in 0 ..< count {
            let saved = state.pointee.marks.top
            _ = check(lists[Int(start) + j], v, -1)
            state.pointee.marks.top = saved
            if stopped { return true }
        }
        return false
    }

    /// Applies `unevaluatedProperties`/`unevaluatedItems` to what nothing else evaluated.
    func checkUnevaluated(_ index: Int32, _ v: Instance, _ evaluated: Int) -> Bool {
        let op = ops + Int(index)
        var ok = true
        let sub = v.isArray ? op.pointee.unevaluatedItems : op.pointee.unevaluatedProperties
        guard sub >= 0 else { return true }
        // In a valid record the other keywords usually evaluated every member: no second walk.
        if state.pointee.marks.coversAll(evaluated) { return true }
        let refuses = ops[Int(sub)].flags.contains(.alwaysFalse)
        var position = 0
        var members = Members(v.value)
        while let (key, value) = members.next() {
            let i = position
            position += 1
            if state.pointee.marks.has(evaluated, i) { continue }
            enter(v.isArray ? .index(i) : .key(key))
            let passed: Bool
            if !refuses {
                passed = check(sub, value, -1)
            } else if v.isArray {
                passed = refuse(index, "unevaluatedItems", "item \(i) is not allowed here")
            } else {
                passed = refuse(index, "unevaluatedProperties", "unevaluated property \(String(decoding: key, as: UTF8.self).debugDescription)")
            }
            leave()
            if !passed {
                ok = false
                if stopped { return false }
            }
        }
        if ok { state.pointee.marks.addAll(evaluated) }
        return ok
    }
}
