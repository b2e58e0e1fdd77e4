import SluiceSDK

/// Checks BSON documents against one compiled `JSONSchema` by walking its
/// flat program (`Program`) over the record's members in document order.
///
/// Not thread-safe: a processor keeps one per instance (the host calls an
/// instance from one thread at a time). `isValid` stops at the first failure
/// and builds no message or path; `validate` lists failures up to a cap, and
/// builds an instance path's text only for a failure. Checking a record
/// allocates nothing once the buffers have grown (they are reused).
public final class SchemaValidator {
    public let schema: JSONSchema
    /// Cold data: names, messages and the rare keywords, read on failure.
    let nodes: [SchemaNode]
    /// The program's pools copied into memory the validator owns, read
    /// through pointers: no bounds check, copy or reference count per access.
    let ops: UnsafeMutablePointer<Op>
    let slots: UnsafeMutablePointer<Int32>
    let entries: UnsafeMutablePointer<Program.Entry>
    let keyBytes: UnsafeMutablePointer<UInt8>
    let numberChecks: UnsafeMutablePointer<Program.NumberChecks>
    let literals: UnsafeMutablePointer<Program.Literal>
    let lists: UnsafeMutablePointer<Int32>
    let quickLeaves: UnsafeMutablePointer<QuickLeaf>
    let patterns: [Pattern]
    /// Per plain object node, the members its last object had, by position
    /// (`LearnedMember.slots` each, from `Op.learned`): what the next
    /// object's members are compared with first.
    let learned: UnsafeMutablePointer<LearnedMember>
    let dynamicScope: Bool
    /// Where the walk of a record starts (see `check`).
    let rootTarget: Int32
    let matchData = MatchData()

    /// What the walk changes, behind a pointer: a class's stored `var`s pay
    /// a dynamic exclusivity check per access.
    struct State {
        /// Reasons are recorded only while this is 0; inside `anyOf`, `not`… and
        /// in `isValid` it is positive and the walk returns at the first failure.
        var quiet = 0
        var limit = Int.max
        var recorded = 0
        var depth = 0
        var marks = Marks()
        var failures: [ValidationFailure] = []
        /// Instance path tokens, kept only while reporting, as pointers into the record.
        var path: [PathToken] = []
        /// Resources entered, outermost first: what `$dynamicRef` searches.
        var scope: [Int] = []
    }

    enum PathToken {
        case key(UnsafeRawBufferPointer)
        case index(Int)
    }

    let state = UnsafeMutablePointer<State>.allocate(capacity: 1)

    /// Deeper instances fail rather than exhaust the thread's stack.
    public static let maxDepth = 200

    public init(_ schema: JSONSchema) {
        self.schema = schema
        nodes = schema.nodes
        let p = schema.program
        func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let out = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
            out.initialize(from: a, count: a.count)
            return out
        }
        ops = copy(p.ops)
        slots = copy(p.slots)
        entries = copy(p.entries)
        keyBytes = copy(p.keyBytes)
        numberChecks = copy(p.numberChecks)
        literals = copy(p.literals)
        lists = copy(p.lists)
        quickLeaves = copy(p.quickLeaves)
        patterns = p.patterns
        var members = [LearnedMember](repeating: LearnedMember(), count: p.plainObjects * LearnedMember.slots)
        for op in p.ops where op.flags.contains(.plainObject) {
            members[Int(op.learned) + LearnedMember.positions] = .stop(required: Int(op.requiredCount))
        }
        learned = copy(members)
        dynamicScope = schema.usesDynamicScope
        rootTarget = dynamicScope ? Int32(schema.root) : p.ops[schema.root].target
        state.initialize(to: State())
    }

    deinit {
        state.pointee.marks.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
        // Plain values only: nothing to deinitialize.
        ops.deallocate()
        slots.deallocate()
        entries.deallocate()
        keyBytes.deallocate()
        numberChecks.deallocate()
        literals.deallocate()
        lists.deallocate()
        quickLeaves.deallocate()
        learned.deallocate()
    }

    /// Whether `document` is valid, stopping at the first failure.
    public func isValid(_ document: BSONDocument) -> Bool {
        reset(quiet: 1)
        let v = Instance(document: document.bytes)
        let op = ops + Int(rootTarget)
        if !dynamicScope, op.pointee.flags.contains(.plainObject) { return checkPlainObject(op, v) }
        return check(Int32(schema.root), v, -1)
    }

    /// The failures of `document` (at most `limit`), or [] when it is valid.
    public func validate(_ document: BSONDocument, limit: Int = .max) -> [ValidationFailure] {
        validate(Instance(document: document.bytes), limit: limit)
    }

    func validate(_ instance: Instance, limit: Int) -> [ValidationFailure] {
        reset(quiet: 0)
        state.pointee.limit = max(limit, 1)
        _ = check(Int32(schema.root), instance, -1)
        return state.pointee.failures
    }

    private func reset(quiet: Int) {
        state.pointee.quiet = quiet
        state.pointee.limit = .max
        state.pointee.recorded = 0
        state.pointee.depth = 0
        state.pointee.marks.top = 0
        // removeAll(keepingCapacity:) on an array that never held anything allocates one.
        if !state.pointee.failures.isEmpty { state.pointee.failures.removeAll(keepingCapacity: true) }
        if !state.pointee.path.isEmpty { state.pointee.path.removeAll(keepingCapacity: true) }
        if !state.pointee.scope.isEmpty { state.pointee.scope.removeAll(keepingCapacity: true) }
    }

    // MARK: failures and paths

    /// Records a failure; true when the walk should return now (quiet, or the cap is reached).
    func fail(_ index: Int32, _ keyword: String, _ reason: @autoclosure () -> String) -> Bool {
        if state.pointee.quiet > 0 { return true }
        let node = nodes[Int(index)]
        state.pointee.failures.append(ValidationFailure(path: pointer, keyword: keyword, reason: reason(),
                                                        schemaPath: keyword == "false" ? node.location : node.location + "/" + keyword))
        state.pointee.recorded += 1
        return state.pointee.recorded >= state.pointee.limit
    }

    /// Records a failure and answers false, for a value a `false` schema refuses.
    func refuse(_ index: Int32, _ keyword: String, _ reason: @autoclosure () -> String) -> Bool {
        _ = fail(index, keyword, reason())
        return false
    }

    /// The instance path being checked, as a JSON Pointer: built only for a failure.
    private var pointer: String {
        var out = ""
        for token in state.pointee.path {
            switch token {
            case let .key(k): out += "/" + JSONPointer.escape(String(decoding: k, as: UTF8.self))
            case let .index(i): out += "/" + String(i)
            }
        }
        return out
    }

    @inline(__always) var stopped: Bool { state.pointee.quiet > 0 || state.pointee.recorded >= state.pointee.limit }
    @inline(__always) var quiet: Bool { state.pointee.quiet > 0 }

    @inline(__always) func enter(_ token: @autoclosure () -> PathToken) {
        if state.pointee.quiet == 0 { state.pointee.path.append(token()) }
        state.pointee.depth += 1
    }

    @inline(__always) func leave() {
        if state.pointee.quiet == 0 { state.pointee.path.removeLast() }
        state.pointee.depth -= 1
    }

    /// Validity of `v` under `n` without recording why (anyOf branches, not, if, contains…).
    func trial(_ n: Int32, _ v: Instance, _ evaluated: Int) -> Bool {
        state.pointee.quiet += 1
        defer { state.pointee.quiet -= 1 }
        return check(n, v, evaluated)
    }

    // MARK: the walk

    /// Whether `v` is valid under node `start`; `outer` is the annotation set
    /// (a `Marks` handle, -1 for none) of the node that applied this one in place.
    @inline(__always)
    func check(_ start: Int32, _ v: Instance, _ outer: Int) -> Bool {
        let index = dynamicScope ? start : ops[Int(start)].target
        let op = ops + Int(index)
        let flags = op.pointee.flags
        if flags.contains(.leaf) {
            if state.pointee.depth > Self.maxDepth { return refuse(index, "depth", "nested deeper than \(Self.maxDepth) levels") }
            return checkValue(index, op, flags, v)
        }
        return checkNode(index, op, flags, v, outer)
    }

    /// The keywords on the value itself: type, enum, const, numbers, strings.
    @inline(__always)
    private func checkValue(_ index: Int32, _ op: UnsafeMutablePointer<Op>, _ flags: Op.Flags, _ v: Instance) -> Bool {
        if flags.contains(.type), !v.satisfies(op.pointee.typeMask) {
            _ = fail(index, "type", "expected \(self.nodes[Int(index)].k.types!.joined(separator: " or ")), got \(v.typeName)")
            return false
        }
        var ok = true
        if flags.contains(.enumeration), !isOneOf(index, v) {
            ok = false
            if fail(index, "enum", "\(v.shortDescription) is not one of \(self.nodes[Int(index)].k.enumValues!.map { JSONWriter.string($0.json) }.joined(separator: ", "))") {
                return false
            }
        }
        if flags.contains(.constant), !equals(op.pointee.constIndex, v, self.nodes[Int(index)].k.constValue!) {
            ok = false
            if fail(index, "const", "expected \(JSONWriter.string(self.nodes[Int(index)].k.constValue!.json)), got \(v.shortDescription)") {
                return false
            }
        }
        if flags.contains(.numbers), let x = v.number, !checkNumber(index, x) {
            ok = false
            if stopped { return false }
        }
        if flags.contains(.strings), v.isString, !checkString(index, v) {
            ok = false
            if stopped { return false }
        }
        return ok
    }

    /// A node that applies other schemas (references, members, items,
    /// applicators), or a boolean schema.
    private func checkNode(_ index: Int32, _ op: UnsafeMutablePointer<Op>, _ flags: Op.Flags, _ v: Instance, _ outer: Int) -> Bool {
        // Only a yes or no is asked and nothing collects annotations: the plain walk.
        if flags.contains(.plainObject), state.pointee.quiet > 0, outer < 0, v.isDocument, !dynamicScope,
           state.pointee.depth < Self.maxDepth {
            return checkPlainObject(op, v)
        }
        if flags.contains(.alwaysTrue) { return true }
        if flags.contains(.alwaysFalse) { return refuse(index, "false", "no value is allowed here") }
        if state.pointee.depth > Self.maxDepth {
            return refuse(index, "depth", "nested deeper than \(Self.maxDepth) levels")
        }
        var pushed = false
        if dynamicScope {
            let resource = nodes[Int(index)].resource
            if state.pointee.scope.last != resource { state.pointee.scope.append(resource); pushed = true }
        }
        let savedTop = state.pointee.marks.top
        let own = flags.contains(.collects) ? state.pointee.marks.push(bound: v.memberBound) : -1
        let ok = apply(index, op, flags, v, own >= 0 ? own : outer)
        if own >= 0 {
            if ok, outer >= 0 { state.pointee.marks.merge(into: outer, from: own) }
            state.pointee.marks.top = savedTop
        }
        if pushed { state.pointee.scope.removeLast() }
        return ok
    }

    private func apply(_ index: Int32, _ op: UnsafeMutablePointer<Op>, _ flags: Op.Flags, _ v: Instance, _ evaluated: Int) -> Bool {
        var ok = true
        if op.pointee.ref >= 0, !check(op.pointee.ref, v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if flags.contains(.dynamicRef), !check(resolve(nodes[Int(index)].k.dynamicRef!), v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if !checkValue(index, op, flags, v) {
            // A wrong type ends the node's checks, as it always did.
            if stopped || flags.contains(.type) && !v.satisfies(op.pointee.typeMask) { return false }
            ok = false
        }
        if flags.contains(.object), v.isDocument, !checkObject(index, v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if flags.contains(.array), v.isArray, !checkArray(index, v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if flags.contains(.inPlace), !checkInPlace(index, v, evaluated) {
            ok = false
            if stopped { return false }
        }
        if flags.contains(.collects), v.isObjectOrArray, !checkUnevaluated(index, v, evaluated) {
            return false
        }
        return ok
    }

    /// The innermost-first rule of `$dynamicRef`: the outermost resource in
    /// scope that declares the anchor wins.
    private func resolve(_ d: SchemaNode.DynamicRef) -> Int32 {
        if !d.candidates.isEmpty {
            for resource in state.pointee.scope { if let n = d.candidates[resource] { return Int32(n) } }
        }
        return Int32(d.target)
    }

    // MARK: enum and const

    private func isOneOf(_ index: Int32, _ v: Instance) -> Bool {
        let op = ops + Int(index)
        for j in 0 ..< Int(op.pointee.enumCount)
        where equals(op.pointee.enumStart + Int32(j), v, self.nodes[Int(index)].k.enumValues![j]) {
            return true
        }
        return false
    }

    /// Whether `v` equals literal `i`: scalars in place, arrays and objects
    /// (and values with no stored text) through `Constant` (`value`, read only then).
    private func equals(_ i: Int32, _ v: Instance, _ value: @autoclosure () -> Constant) -> Bool {
        switch literals[Int(i)] {
        case .null:
            return v.type == BSONType.null.rawValue || v.type == BSONType.undefined.rawValue
        case let .bool(b):
            return v.type == BSONType.bool.rawValue && (v.value[0] != 0) == b
        case let .number(n):
            guard let x = v.number else { return false }
            return ExactNumber.compare(n, x) == 0
        case let .string(start, count):
            if let bytes = v.stringBytes {
                return bytes.count == Int(count)
                    && (count == 0 || memcmp(keyBytes + Int(start), bytes.baseAddress!, Int(count)) == 0)
            }
            guard !v.isNumeric, !v.isObjectOrArray, v.type != BSONType.bool.rawValue else { return false }
            return value() == v.constant
        case .structured:
            return v.isObjectOrArray && value() == v.constant
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
