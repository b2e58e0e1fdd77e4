#if canImport(Glibc)
import Glibc
#endif

/// The walk of a plain object (`Op.Flags.plainObject`) when only a yes or no
/// is asked (`isValid`, and trials inside anyOf, not…): each member is
/// recognised by the key and type the same position had last time
/// (`LearnedMember`), or else looked up and learned; a value its learned
/// proof (a `QuickLeaf`'s bounds for that type) shows valid is passed in
/// place, and anything else goes to the full `check`. Records with the
/// same keys and types in the same order (most streams) are matched by
/// word compares and checked by one compare per bound.
extension SchemaValidator {
    func checkPlainObject(_ op: UnsafeMutablePointer<Op>, _ v: Instance) -> Bool {
        if op.pointee.flags.contains(.type), op.pointee.typeMask & TypeMask.object.rawValue == 0 { return false }
        let members = learned + Int(op.pointee.learned)
        let base = v.value.baseAddress!
        let end = base + v.value.count - 1
        var p = base + 4
        var m = members
        var seen: UInt64 = 0
        // Members as the last object had them, proved in place. Nothing here
        // calls out, so the loop's values stay in registers; the first member
        // that differs, or is not proved, goes on in `checkMembers`, as does
        // one past the positions (their next slot never matches).
        while p < end, m.pointee.key.matches(p + 1, end: end), m.pointee.type == p.load(as: UInt8.self) {
            let value = p + m.pointee.valueOffset
            guard let size = m.pointee.proof.provenSize(value) else { break }
            seen |= m.pointee.requiredBit
            p = value + size
            m += 1
        }
        if p < end { return checkMembers(op, from: p, end: end, members, members.distance(to: m), seen) }
        return counted(op, members, seen, members.distance(to: m))
    }

    /// The members from `first` on, the `start`th onwards, with
    /// `seenBefore` the required names met before: each one's learned
    /// member matched or learned, its value proved or fully checked.
    @inline(never)
    private func checkMembers(_ op: UnsafeMutablePointer<Op>, from first: UnsafeRawPointer, end: UnsafeRawPointer,
                              _ members: UnsafeMutablePointer<LearnedMember>, _ start: Int, _ seenBefore: UInt64) -> Bool {
        var p = first
        var count = start
        var seen = seenBefore
        while p < end {
            let type = p.load(as: UInt8.self)
            let key = p + 1
            let m: UnsafeMutablePointer<LearnedMember>
            if count < LearnedMember.positions {
                m = members + count
                if !m.pointee.key.matches(key, end: end) {
                    learn(op, m, key, end, type)
                } else if m.pointee.type != type {
                    m.pointee.prove(type, quickLeaves)
                }
            } else {
                m = members + LearnedMember.positions + 1
                learn(op, m, key, end, type)
            }
            let value = p + m.pointee.valueOffset
            if let size = m.pointee.proof.provenSize(value) {
                seen |= m.pointee.requiredBit
                count &+= 1
                p = value + size
                continue
            }
            // Not a BSON type: the host never passes such a document; the members end there, as for `Members`.
            guard let size = Members.size(type, value) else { break }
            seen |= m.pointee.requiredBit
            count &+= 1
            let sub = m.pointee.sub
            if sub >= 0, !checkMember(sub, Instance(type: type, value: UnsafeRawBufferPointer(start: value, count: size), element: p)) {
                return false
            }
            p = value + size
        }
        return counted(op, members, seen, count)
    }

    /// Whether `count` members, among them the required names whose bits
    /// are `seen`, are what `op` (whose learned members are `members`) asks.
    @inline(__always)
    private func counted(_ op: UnsafeMutablePointer<Op>, _ members: UnsafeMutablePointer<LearnedMember>, _ seen: UInt64,
                         _ count: Int) -> Bool {
        // An absent minProperties is -1, which no count is under.
        seen == members[LearnedMember.positions].requiredBit && count >= op.pointee.minProperties
            && (op.pointee.maxProperties < 0 || count <= op.pointee.maxProperties)
    }

    /// A member under the full check, one level deeper.
    @inline(never)
    private func checkMember(_ sub: Int32, _ v: Instance) -> Bool {
        state.pointee.depth += 1
        defer { state.pointee.depth -= 1 }
        return check(sub, v, -1)
    }

    /// Learns into `m` the member whose key starts at `key` and whose
    /// value has BSON type `type`: its name looked up, and its proof.
    /// Out of line, so the matching loop keeps its registers.
    @inline(never)
    private func learn(_ op: UnsafeMutablePointer<Op>, _ m: UnsafeMutablePointer<LearnedMember>, _ key: UnsafeRawPointer,
                       _ end: UnsafeRawPointer, _ type: UInt8) {
        let length = strlen(key.assumingMemoryBound(to: CChar.self))
        let e = op.pointee.slotMask >= 0 ? entry(op, UnsafeRawBufferPointer(start: key, count: length)) : nil
        let stored = e.map { UnsafeRawPointer(keyBytes + Int($0.pointee.keyStart)) }
        m.pointee.key = LearnedKey(key: key, count: length, end: end, stored: stored) ?? LearnedKey()
        m.pointee.valueOffset = length + 2
        m.pointee.requiredBit = e?.pointee.requiredBit ?? 0
        let node = e?.pointee.node ?? -1
        m.pointee.sub = node >= 0 ? node : op.pointee.additional
        m.pointee.quick = node >= 0 ? e!.pointee.quick : -1
        m.pointee.prove(type, quickLeaves)
    }
}
