import Foundation

/// Addresses and names: RFC 5321/6531 mailboxes, RFC 1123/5890 host names,
/// RFC 2673 IPv4 and RFC 4291 IPv6 text forms.
enum NetworkFormats {
    /// `local-part "@" domain`, the local part a dot-string or a quoted
    /// string of at most 64 octets, the domain a host name or an address literal.
    /// `international` (RFC 6531) also allows non-ASCII in both parts.
    static func isEmail(_ s: String, international: Bool) -> Bool {
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at], domain = s[s.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return false }
        if local.hasPrefix("\"") {
            guard local.count >= 2, local.hasSuffix("\"") else { return false }
            var escaped = false
            for c in local.unicodeScalars.dropFirst().dropLast() {
                if escaped {
                    guard (32 ... 126).contains(c.value) || international && c.value > 127 else { return false }
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if !((32 ... 126).contains(c.value) && c != "\"" || international && c.value > 127) {
                    return false
                }
            }
            if escaped { return false }
        } else {
            let atext = "!#$%&'*+-/=?^_`{|}~".unicodeScalars
            for atom in local.split(separator: ".", omittingEmptySubsequences: false) {
                guard !atom.isEmpty, atom.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0" ... "9").contains($0) || atext.contains($0)) || international && !$0.isASCII
                }) else { return false }
            }
        }
        if domain.hasPrefix("["), domain.hasSuffix("]") {
            let literal = domain.dropFirst().dropLast()
            if literal.hasPrefix("IPv6:") { return isIPv6(literal.dropFirst(5)) }
            return isIPv4(literal)
        }
        return international ? isIDNHostname(String(domain)) : isHostname(String(domain))
    }

    /// RFC 1123 labels of letters, digits and inner hyphens, 1 to 63 octets,
    /// at most 253 in all; `--` in the third and fourth place only in an A-label (`xn--`).
    static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let u = Array(label.utf8)
            guard !u.isEmpty, u.count <= 63, u.first != UInt8(ascii: "-"), u.last != UInt8(ascii: "-"),
                  u.allSatisfy({ $0.isAlpha || $0.isDigit || $0 == UInt8(ascii: "-") })
            else { return false }
            if u.count >= 4, u[2] == UInt8(ascii: "-"), u[3] == UInt8(ascii: "-") {
                return label.lowercased().hasPrefix("xn--") && Punycode.decode(String(label.dropFirst(4))).map(isULabel) == true
            }
            return true
        }
    }

    /// RFC 5890/5891 host names: ASCII labels as `isHostname`, others U-labels
    /// (see `isULabel`), every label under RFC 5893's Bidi rule when any is
    /// right-to-left; the dots may be the ideographic full stops of RFC 3490.
    static func isIDNHostname(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        let labels = s.split(omittingEmptySubsequences: false, whereSeparator: { "\u{3002}\u{FF0E}\u{FF61}.".contains($0) })
        guard BidiRule.allows(labels) else { return false }
        var total = labels.count - 1
        for label in labels {
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                guard isHostname(String(label)) else { return false }
                total += label.utf8.count
            } else {
                guard isULabel(String(label)), let ace = Punycode.encode(String(label)), ace.utf8.count + 4 <= 63 else { return false }
                total += ace.utf8.count + 4
            }
        }
        return total <= 253
    }

    /// A U-label, approximately IDNA 2008: NFC-stable code points that are
    /// lower-case or caseless letters, marks or digits, or a hyphen, not
    /// starting with a mark or a hyphen; the contextual rules of RFC 5892
    /// appendix A for the middle dot, Greek keraia, Hebrew punctuation,
    /// katakana middle dot and the joiners. The Bidi rule spans the whole
    /// name, so `isIDNHostname` checks it (`BidiRule`).
    static func isULabel(_ label: String) -> Bool {
        let scalars = Array(label.unicodeScalars)
        guard let first = scalars.first, first != "-", scalars.last != "-",
              !first.properties.generalCategory.isMark,
              label.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(scalars)
        else { return false }
        if scalars.count >= 4, scalars[2] == "-", scalars[3] == "-" { return false }
        for (i, c) in scalars.enumerated() {
            switch c.value {
            case 0x00B7:
                guard i > 0, i + 1 < scalars.count, scalars[i - 1] == "l", scalars[i + 1] == "l" else { return false }
            case 0x0375:
                guard i + 1 < scalars.count, isGreek(scalars[i + 1]) else { return false }
            case 0x05F3, 0x05F4:
                guard i > 0, (0x0590 ... 0x05FF).contains(scalars[i - 1].value) else { return false }
            case 0x30FB:
                guard scalars.contains(where: { isJapanese($0) && $0.value != 0x30FB }) else { return false }
            case 0x200C, 0x200D:
                guard i > 0, scalars[i - 1].properties.canonicalCombiningClass.rawValue == 9 else { return false }
            case 0x0660 ... 0x0669:
                if scalars.contains(where: { (0x06F0 ... 0x06F9).contains($0.value) }) { return false }
            case 0x06F0 ... 0x06F9:
                if scalars.contains(where: { (0x0660 ... 0x0669).contains($0.value) }) { return false }
            case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031 ... 0x3035, 0x303B:
                return false
            default:
                let category = c.properties.generalCategory
                guard c == "-" || category == .lowercaseLetter || category == .otherLetter || category == .modifierLetter
                    || category.isMark || category == .decimalNumber
                    || (c.isASCII && (c.properties.isAlphabetic || ("0" ... "9").contains(c)) && !c.properties.isUppercase)
                else { return false }
            }
        }
        return true
    }

    private static func isGreek(_ c: Unicode.Scalar) -> Bool {
        (0x0370 ... 0x03FF).contains(c.value) || (0x1F00 ... 0x1FFF).contains(c.value)
    }

    private static func isJapanese(_ c: Unicode.Scalar) -> Bool {
        (0x3040 ... 0x309F).contains(c.value) || (0x30A0 ... 0x30FF).contains(c.value) || (0x4E00 ... 0x9FFF).contains(c.value)
            || (0x3400 ... 0x4DBF).contains(c.value)
    }

    /// Four decimal octets, no leading zeros.
    static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy(\.isDigit), let v = Int(p), v <= 255 else { return false }
            return p.count == 1 || p.first != "0"
        }
    }

    /// Eight groups of 1 to 4 hex digits, one `::` standing for one or more
    /// zero groups, the last two groups optionally a dotted IPv4 address.
    static func isIPv6(_ s: Substring) -> Bool {
        guard s.utf8.count >= 2, s.utf8.allSatisfy({ $0.isHexDigit || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
            return false
        }
        var text = s
        var groups = 0
        if let last = text.lastIndex(of: ":"), text[text.index(after: last)...].contains(".") {
            guard isIPv4(text[text.index(after: last)...]) else { return false }
            groups += 2
            text = text[...last]
            // "::1.2.3.4" keeps its "::"; "x:1.2.3.4" drops the lone separator.
            if !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        for half in halves where !half.isEmpty {
            for group in half.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1 ... 4).contains(group.count) else { return false }
                groups += 1
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }
}

private extension Unicode.GeneralCategory {
    var isMark: Bool { self == .nonspacingMark || self == .spacingMark || self == .enclosingMark }
}
