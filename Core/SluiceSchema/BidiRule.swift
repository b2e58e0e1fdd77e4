/// RFC 5893's Bidi rule for IDNA labels: in a domain name that holds any
/// right-to-left character (Bidi class R, AL or AN), every label must read
/// unambiguously in one direction.
enum BidiRule {
    /// The Bidi classes a U-label can hold: it has only letters, marks,
    /// digits and hyphens, so the neutral and separator classes other than
    /// ES (the hyphen) never occur.
    enum Class {
        case l, r, al, an, en, es, nsm
    }

    /// The class of `c`, from the Unicode ranges of the right-to-left
    /// scripts and their digits (the standard library exposes no
    /// Bidi_Class): letters of other scripts are L.
    static func bidiClass(_ c: Unicode.Scalar) -> Class {
        let v = c.value
        switch v {
        case 0x2D: return .es
        case 0x30 ... 0x39, 0x06F0 ... 0x06F9, 0xFF10 ... 0xFF19: return .en
        case 0x0600 ... 0x0605, 0x0660 ... 0x0669, 0x066B, 0x066C, 0x06DD, 0x0890, 0x0891, 0x08E2, 0x10D30 ... 0x10D39,
             0x10E60 ... 0x10E7E:
            return .an
        default: break
        }
        let category = c.properties.generalCategory
        if category == .nonspacingMark || category == .enclosingMark { return .nsm }
        switch v {
        case 0x0590 ... 0x05FF, 0x07C0 ... 0x085F, 0xFB1D ... 0xFB4F, 0x10800 ... 0x10CFF, 0x10E80 ... 0x10EFF,
             0x10F00 ... 0x10F2F, 0x10F70 ... 0x10FFF, 0x1E800 ... 0x1EC6F, 0x1ECC0 ... 0x1ECFF, 0x1ED50 ... 0x1EDFF,
             0x1EF00 ... 0x1EFFF:
            return .r
        case 0x0600 ... 0x07BF, 0x0860 ... 0x08FF, 0xFB50 ... 0xFDFF, 0xFE70 ... 0xFEFF, 0x10D00 ... 0x10D3F,
             0x10F30 ... 0x10F6F, 0x1EC70 ... 0x1ECBF, 0x1ED00 ... 0x1ED4F, 0x1EE00 ... 0x1EEFF:
            return .al
        default:
            return .l
        }
    }

    /// Whether `labels` (a host name split at its dots) satisfy the rule:
    /// always, unless one holds an R, AL or AN character (RFC 5893 section 2).
    static func allows(_ labels: [Substring]) -> Bool {
        let classes = labels.map { $0.unicodeScalars.map(bidiClass) }
        guard classes.contains(where: { $0.contains { $0 == .r || $0 == .al || $0 == .an } }) else { return true }
        return classes.allSatisfy { $0.isEmpty || allows(label: $0) }
    }

    /// The six conditions on one label of a Bidi domain name.
    static func allows(label: [Class]) -> Bool {
        // 1. The first character is L, R or AL: it sets the label's direction.
        guard let first = label.first, first == .l || first == .r || first == .al else { return false }
        let end = label.lastIndex { $0 != .nsm }.map { label[$0] }
        if first == .l {
            // 5. An LTR label holds only L, EN, ES, CS, ET, ON, BN and NSM;
            // 6. it ends with L or EN, then any number of NSM.
            return label.allSatisfy { $0 == .l || $0 == .en || $0 == .es || $0 == .nsm } && (end == .l || end == .en)
        }
        // 2. An RTL label holds only R, AL, AN, EN, ES, CS, ET, ON, BN and NSM;
        // 3. it ends with R, AL, EN or AN, then any number of NSM;
        // 4. it holds EN or AN, not both.
        return label.allSatisfy { $0 != .l } && (end == .r || end == .al || end == .en || end == .an)
            && !(label.contains(.en) && label.contains(.an))
    }
}
