/// The compiled schema as the validator walks it: one flat `Op` per node,
/// holding only plain values (bounds, counts, indices into shared pools), so
/// checking a record touches no reference-counted object and allocates
/// nothing. Names, messages and the rare keywords stay in `SchemaNode`,
/// read only when a record fails or uses them.
struct Program: Sendable {
    var ops: [Op] = []
    /// Member names of every object keyword (properties and required), one
    /// open-addressing table per node: slot → entry index + 1 (0 is empty).
    var slots: [Int32] = []
    var entries: [Entry] = []
    var keyBytes: [UInt8] = []
    var numberChecks: [NumberChecks] = []
    /// enum/const values of scalar kinds, compared without building a `Constant`.
    var literals: [Literal] = []
    /// Subschema lists (allOf, anyOf, oneOf, prefixItems) and patternProperties pairs.
    var lists: [Int32] = []
    var patterns: [Pattern] = []
    /// The leaves a plain object's members are checked against in place (see `QuickLeaf`).
    var quickLeaves: [QuickLeaf] = []
    /// How many nodes are plain objects: each has `LearnedMember.slots` learned members in the validator.
    var plainObjects = 0

    /// One member name a node knows: its subschema under `properties` (-1:
    /// none) and its bit among the `required` names (-1: not required).
    struct Entry: Sendable {
        let hash: UInt64
        let keyStart: Int32
        let keyCount: Int32
        var node: Int32
        var required: Int32
        /// `node`'s quick check (an index into `quickLeaves`), or -1: the full check.
        var quick: Int32 = -1
        /// `required` as a bit of a word (0 when not required, or past 64 names).
        var requiredBit: UInt64 = 0
    }

    struct NumberChecks: Sendable {
        var minimum: ExactNumber?
        var maximum: ExactNumber?
        var exclusiveMinimum: ExactNumber?
        var exclusiveMaximum: ExactNumber?
        var multipleOf: Divisor?
        /// The bounds as doubles (absent ones infinite), valid when every
        /// present bound is a double exactly: then a value that is one too
        /// is checked by float compares alone.
        var boundsAreDoubles = true
        var low = -Double.infinity, high = Double.infinity
        var exclusiveLow = -Double.infinity, exclusiveHigh = Double.infinity

        init(minimum: ExactNumber?, maximum: ExactNumber?, exclusiveMinimum: ExactNumber?, exclusiveMaximum: ExactNumber?,
             multipleOf: Divisor?) {
            self.minimum = minimum
            self.maximum = maximum
            self.exclusiveMinimum = exclusiveMinimum
            self.exclusiveMaximum = exclusiveMaximum
            self.multipleOf = multipleOf
            func bound(_ n: ExactNumber?, _ absent: Double) -> Double? {
                guard let n else { return absent }
                return n.exactDouble
            }
            if let l = bound(minimum, -.infinity), let h = bound(maximum, .infinity),
               let el = bound(exclusiveMinimum, -.infinity), let eh = bound(exclusiveMaximum, .infinity) {
                (low, high, exclusiveLow, exclusiveHigh) = (l, h, el, eh)
            } else {
                boundsAreDoubles = false
            }
        }
    }

    /// An enum or const value in the form a BSON scalar is compared with in place.
    enum Literal: Sendable {
        case null
        case bool(Bool)
        case number(ExactNumber)
        /// UTF-8 bytes at `keyBytes[start ..< start + count]`.
        case string(start: Int32, count: Int32)
        /// An array or object: compared through `Constant` (SchemaNode's).
        case structured
    }

    init(_ nodes: [SchemaNode]) {
        ops.reserveCapacity(nodes.count)
        for node in nodes { ops.append(op(node)) }
        // A chain of bare references ends at one node (a cycle of them was refused by the compiler).
        for i in ops.indices {
            var t = i
            while ops[t].onlyRef >= 0 { t = Int(ops[t].onlyRef) }
            ops[i].target = Int32(t)
        }
        for i in ops.indices where ops[i].flags.contains(.object) && isPlain(ops[i]) {
            ops[i].flags.insert(.plainObject)
            ops[i].learned = Int32(plainObjects * LearnedMember.slots)
            plainObjects += 1
        }
        for i in entries.indices where entries[i].node >= 0 {
            let target = ops[Int(entries[i].node)].target
            let op = ops[Int(target)]
            if let leaf = QuickLeaf(op, op.numbers >= 0 ? numberChecks[Int(op.numbers)] : nil) {
                entries[i].quick = Int32(quickLeaves.count)
                quickLeaves.append(leaf)
            }
        }
    }

    /// Whether an object node has only keywords the walk of a plain object
    /// knows: type, properties, required (up to 64), additionalProperties,
    /// minProperties and maxProperties (and keywords of other types, which
    /// an object ignores).
    private func isPlain(_ o: Op) -> Bool {
        o.ref < 0 && o.flags.isDisjoint(with: [.dynamicRef, .enumeration, .constant, .inPlace, .collects, .rare])
            && o.patternCount == 0 && o.propertyNames < 0 && o.requiredCount <= 64
    }

    private mutating func list(_ nodes: [Int]) -> (start: Int32, count: Int32) {
        let start = Int32(lists.count)
        lists += nodes.map(Int32.init)
        return (start, Int32(nodes.count))
    }

    private mutating func bytes(_ s: [UInt8]) -> Int32 {
        let start = Int32(keyBytes.count)
        keyBytes += s
        return start
    }

    private mutating func literal(_ c: Constant) -> Literal {
        switch c {
        case .null: return .null
        case let .bool(b): return .bool(b)
        case let .number(n): return .number(n)
        case let .string(s): return .string(start: bytes(s), count: Int32(s.count))
        case .array, .object: return .structured
        }
    }

    private mutating func op(_ node: SchemaNode) -> Op {
        let k = node.k
        var o = Op()
        if let always = k.always {
            o.flags.insert(always ? .alwaysTrue : .alwaysFalse)
            return o
        }
        if let target = node.onlyRef { o.onlyRef = Int32(target) }
        o.ref = k.ref.map(Int32.init) ?? -1
        if k.dynamicRef != nil { o.flags.insert(.dynamicRef) }
        if let mask = node.typeMask { o.flags.insert(.type); o.typeMask = mask.rawValue }
        if let values = k.enumValues {
            o.flags.insert(.enumeration)
            o.enumStart = Int32(literals.count)
            o.enumCount = Int32(values.count)
            for v in values { literals.append(literal(v)) }
        }
        if let c = k.constValue {
            o.flags.insert(.constant)
            o.constIndex = Int32(literals.count)
            literals.append(literal(c))
        }
        if node.checksNumbers {
            o.flags.insert(.numbers)
            o.numbers = Int32(numberChecks.count)
            numberChecks.append(NumberChecks(minimum: k.minimum, maximum: k.maximum, exclusiveMinimum: k.exclusiveMinimum,
                                             exclusiveMaximum: k.exclusiveMaximum, multipleOf: k.multipleOf?.divisor))
        }
        if node.checksStrings {
            o.flags.insert(.strings)
            o.minLength = k.minLength.map(Int32.init) ?? -1
            o.maxLength = k.maxLength.map(Int32.init) ?? -1
            if let p = k.pattern { o.pattern = Int32(patterns.count); patterns.append(p) }
            o.format = k.format
        }
        if node.looksInside {
            let objectKeywords = !k.required.isEmpty || !k.properties.isEmpty || !k.patternProperties.isEmpty
                || k.additionalProperties != nil || k.propertyNames != nil || k.minProperties != nil || k.maxProperties != nil
                || !k.dependentRequired.isEmpty || k.unevaluatedProperties != nil
            let arrayKeywords = !k.prefixItems.isEmpty || k.items != nil || k.contains != nil || k.minItems != nil
                || k.maxItems != nil || k.uniqueItems || k.unevaluatedItems != nil
            if objectKeywords { o.flags.insert(.object) }
            if arrayKeywords { o.flags.insert(.array) }
        }
        if !k.dependentRequired.isEmpty || !k.dependentSchemas.isEmpty || k.uniqueItems { o.flags.insert(.rare) }
        if node.hasInPlace { o.flags.insert(.inPlace) }
        if node.collects { o.flags.insert(.collects) }
        if o.ref < 0, o.flags.isDisjoint(with: [.dynamicRef, .object, .array, .inPlace, .collects]) { o.flags.insert(.leaf) }
        addNames(node, &o)
        (o.patternStart, o.patternCount) = (Int32(lists.count), Int32(k.patternProperties.count))
        for (pattern, sub) in k.patternProperties {
            lists += [Int32(patterns.count), Int32(sub)]
            patterns.append(pattern)
        }
        o.additional = k.additionalProperties.map(Int32.init) ?? -1
        o.propertyNames = k.propertyNames.map(Int32.init) ?? -1
        o.minProperties = k.minProperties.map(Int32.init) ?? -1
        o.maxProperties = k.maxProperties.map(Int32.init) ?? -1
        (o.prefixStart, o.prefixCount) = list(k.prefixItems)
        o.items = k.items.map(Int32.init) ?? -1
        o.contains = k.contains.map(Int32.init) ?? -1
        o.minItems = k.minItems.map(Int32.init) ?? -1
        o.maxItems = k.maxItems.map(Int32.init) ?? -1
        o.minContains = k.minContains.map(Int32.init) ?? (k.contains == nil ? -1 : 1)
        o.maxContains = k.maxContains.map(Int32.init) ?? -1
        (o.allOfStart, o.allOfCount) = list(k.allOf)
        (o.anyOfStart, o.anyOfCount) = list(k.anyOf)
        (o.oneOfStart, o.oneOfCount) = list(k.oneOf)
        o.not = k.not.map(Int32.init) ?? -1
        o.ifNode = k.ifNode.map(Int32.init) ?? -1
        o.thenNode = k.thenNode.map(Int32.init) ?? -1
        o.elseNode = k.elseNode.map(Int32.init) ?? -1
        o.unevaluatedProperties = k.unevaluatedProperties.map(Int32.init) ?? -1
        o.unevaluatedItems = k.unevaluatedItems.map(Int32.init) ?? -1
        return o
    }

    /// The table of `properties` and `required` names, merged so that one
    /// lookup per member answers both.
    private mutating func addNames(_ node: SchemaNode, _ o: inout Op) {
        let k = node.k
        var names: [[UInt8]] = []
        var local: [Entry] = []
        func entry(_ name: [UInt8]) -> Int {
            if let i = names.firstIndex(of: name) { return i }
            names.append(name)
            local.append(Entry(hash: name.withUnsafeBytes(Self.hash), keyStart: bytes(name), keyCount: Int32(name.count),
                               node: -1, required: -1))
            return names.count - 1
        }
        for p in k.properties { local[entry(p.key)].node = Int32(p.node) }
        for (bit, r) in k.required.enumerated() {
            let i = entry(Array(r.utf8))
            local[i].required = Int32(bit)
            if bit < 64 { local[i].requiredBit = 1 << UInt64(bit) }
        }
        o.requiredCount = Int32(k.required.count)
        o.propertyCount = Int32(k.properties.count)
        guard !local.isEmpty else { return }
        var size = 4
        while size < local.count * 2 { size <<= 1 }
        o.entryStart = Int32(entries.count)
        o.slotStart = Int32(slots.count)
        o.slotMask = Int32(size - 1)
        var table = [Int32](repeating: 0, count: size)
        for (i, e) in local.enumerated() {
            var s = Int(truncatingIfNeeded: e.hash) & (size - 1)
            while table[s] != 0 { s = (s + 1) & (size - 1) }
            table[s] = Int32(i + 1)
        }
        entries += local
        slots += table
    }

    /// A member name's hash from its length and at most two words of it: a
    /// name is hashed once per member, so it must cost less than its lookup.
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        let n = key.count
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        if n >= 8 {
            h ^= key.loadUnaligned(fromByteOffset: 0, as: UInt64.self) &* 0xC2B2_AE3D_27D4_EB4F
            h = (h << 29 | h >> 35) ^ key.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            var w: UInt64 = 0
            for i in 0 ..< n { w |= UInt64(key[i]) << (8 * UInt64(i)) }
            h ^= w
        }
        h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 29)
    }
}

/// One node of the program: which keyword groups it has (`flags`) and their
/// arguments, as indices into `Program`'s pools (-1: absent).
struct Op: Sendable {
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt32
        static let alwaysTrue = Flags(rawValue: 1 << 0)
        static let alwaysFalse = Flags(rawValue: 1 << 1)
        static let type = Flags(rawValue: 1 << 2)
        static let enumeration = Flags(rawValue: 1 << 3)
        static let constant = Flags(rawValue: 1 << 4)
        static let numbers = Flags(rawValue: 1 << 5)
        static let strings = Flags(rawValue: 1 << 6)
        /// Keywords that look at an object's members, or an array's items.
        static let object = Flags(rawValue: 1 << 7)
        static let array = Flags(rawValue: 1 << 8)
        static let inPlace = Flags(rawValue: 1 << 9)
        static let collects = Flags(rawValue: 1 << 10)
        static let dynamicRef = Flags(rawValue: 1 << 11)
        /// dependentRequired, dependentSchemas, uniqueItems: read from the `SchemaNode`.
        static let rare = Flags(rawValue: 1 << 12)
        /// Nothing but keywords on the value itself (type, enum, const, numbers,
        /// strings): checked without the bookkeeping of nodes that apply others.
        static let leaf = Flags(rawValue: 1 << 13)
        /// Object keywords the walk of a plain object checks (`Program.isPlain`).
        static let plainObject = Flags(rawValue: 1 << 14)
    }

    var flags: Flags = []
    var typeMask: UInt8 = 0
    var onlyRef: Int32 = -1
    /// Where the walk goes for this node: the end of its chain of bare references, or itself.
    var target: Int32 = 0
    var ref: Int32 = -1
    var enumStart: Int32 = 0, enumCount: Int32 = 0, constIndex: Int32 = -1
    var numbers: Int32 = -1
    var minLength: Int32 = -1, maxLength: Int32 = -1, pattern: Int32 = -1
    var format: Format?
    var entryStart: Int32 = 0, slotStart: Int32 = 0, slotMask: Int32 = -1
    /// A plain object's first learned member in the validator's `learned` (-1: not a plain object).
    var learned: Int32 = -1
    var propertyCount: Int32 = 0, requiredCount: Int32 = 0
    var patternStart: Int32 = 0, patternCount: Int32 = 0
    var additional: Int32 = -1, propertyNames: Int32 = -1, minProperties: Int32 = -1, maxProperties: Int32 = -1
    var prefixStart: Int32 = 0, prefixCount: Int32 = 0, items: Int32 = -1
    var contains: Int32 = -1, minContains: Int32 = -1, maxContains: Int32 = -1, minItems: Int32 = -1, maxItems: Int32 = -1
    var allOfStart: Int32 = 0, allOfCount: Int32 = 0, anyOfStart: Int32 = 0, anyOfCount: Int32 = 0
    var oneOfStart: Int32 = 0, oneOfCount: Int32 = 0
    var not: Int32 = -1, ifNode: Int32 = -1, thenNode: Int32 = -1, elseNode: Int32 = -1
    var unevaluatedProperties: Int32 = -1, unevaluatedItems: Int32 = -1
}
