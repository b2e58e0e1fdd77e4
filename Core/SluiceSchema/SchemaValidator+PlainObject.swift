#if canImport(Glibc)
import Glibc
#endif

/// The walk of a plain object (`Op.Flags.plainObject`) when only a yes or no
/// is asked (`isValid`, and trials inside anyOf, not…): each member is
/// recognised by the key the same position had last time (`LearnedKey`), or
/// else looked up and learned; a member whose subschema is a `QuickLeaf` is
/// checked in place, and anything that leaf cannot prove valid goes to the
/// full `check`, as do members under other subschemas. Records with the
/// same keys in the same order (most streams) are matched by word compares.
extension SchemaValidator {
    func checkPlainObject(_ op: UnsafeMutablePointer<Op>, _ v: Instance) -> Bool {
        if op.pointee.flags.contains(.type), op.pointee.typeMask & TypeMask.object.rawValue == 0 { return false }
        let additional = op.pointee.additional
        let keys = learned + Int(op.pointee.learned)
        // Read once: the compiler reloads a class's stored properties after every call.
        let entries = self.entries, quickLeaves = self.quickLeaves
        var seen: UInt64 = 0
        var count = 0
        let base = v.value.baseAddress!
        var p = base + 4
        let end = base + v.value.count - 1
        while p < end {
            let type = p.load(as: UInt8.self)
            let key = p + 1
            let length: Int
            let found: Int32
            if count < LearnedKey.positions, keys[count].matches(key, end: end) {
                length = Int(keys[count].count)
                found = keys[count].entry
            } else {
                (length, found) = learn(op, key, end, count < LearnedKey.positions ? keys + count : nil)
            }
            let value = key + length + 1
            // Not a BSON type: the host never passes such a document; the members end there, as for `Members`.
            guard let size = Members.size(type, value) else { break }
            count &+= 1
            var sub: Int32 = -1
            if found >= 0 {
                let e = entries + Int(found)
                seen |= e.pointee.requiredBit
                sub = e.pointee.node
                if sub >= 0, e.pointee.quick >= 0, quickLeaves[Int(e.pointee.quick)].proves(type, value) {
                    p = value + size
                    continue
                }
            }
            if sub < 0 { sub = additional }
            if sub >= 0, !checkMember(sub, Instance(type: type, value: UnsafeRawBufferPointer(start: value, count: size), element: p)) {
                return false
            }
            p = value + size
        }
        let requiredCount = Int(op.pointee.requiredCount)
        if requiredCount > 0, seen != (requiredCount == 64 ? ~0 : (1 << UInt64(requiredCount)) - 1) { return false }
        if op.pointee.minProperties >= 0, count < op.pointee.minProperties { return false }
        if op.pointee.maxProperties >= 0, count > op.pointee.maxProperties { return false }
        return true
    }

    /// A member under the full check, one level deeper.
    @inline(never)
    private func checkMember(_ sub: Int32, _ v: Instance) -> Bool {
        state.pointee.depth += 1
        defer { state.pointee.depth -= 1 }
        return check(sub, v, -1)
    }

    /// A member the learned key did not match: its key's length and entry
    /// (-1: a name the node does not know), learned into `slot` when given.
    /// Out of line, so the matching loop keeps its registers.
    @inline(never)
    private func learn(_ op: UnsafeMutablePointer<Op>, _ key: UnsafeRawPointer, _ end: UnsafeRawPointer,
                       _ slot: UnsafeMutablePointer<LearnedKey>?) -> (length: Int, found: Int32) {
        let length = strlen(key.assumingMemoryBound(to: CChar.self))
        var found: Int32 = -1
        if op.pointee.slotMask >= 0, let e = entry(op, UnsafeRawBufferPointer(start: key, count: length)) {
            found = Int32(entries.distance(to: e))
        }
        if let slot {
            let stored = found >= 0 ? UnsafeRawPointer(keyBytes + Int(entries[Int(found)].keyStart)) : nil
            slot.pointee = LearnedKey(key: key, count: length, end: end, entry: found, stored: stored) ?? LearnedKey()
        }
        return (length, found)
    }
}
