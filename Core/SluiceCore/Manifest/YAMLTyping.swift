import SluiceSDK
import Yams

/// The manifest's YAML composed and its plain scalars typed as Yams' default
/// resolver types them (YAML 1.1: `yes` a bool, `0x1A` an int, `~` null),
/// without that resolver's NSRegularExpressions: compiling them started ICU's
/// regex engine, about a tenth of a one-record run's instructions.
enum YAMLTyping {
    /// The document's root, composed with Yams' basic resolver (every plain
    /// scalar a string). Two keys of one mapping are duplicates when their text
    /// and type agree, and only the default resolver knows the types, so a
    /// mapping with two keys of the same text, or a key that is not a scalar,
    /// has the document composed again with it, which keeps Yams' verdict.
    /// So has a document the basic pass refuses: its first error is then the
    /// one Yams reports (a duplicate only the types reveal comes before a
    /// later syntax error).
    static func compose(_ text: String) throws -> Node? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch {
            return try Yams.compose(yaml: text)
        }
        guard let root, !needsTypedKeys(root) else { return try Yams.compose(yaml: text) }
        return root
    }

    /// Whether some mapping has a key that is not a scalar or two keys of the
    /// same text, or a scalar is both a key and a value (an anchor and its
    /// alias): Yams settles a key's tag when it hashes it, and an alias
    /// shares that tag, so under the basic resolver the value would read as
    /// a string. Each written node is walked once (an alias shares its anchor's node).
    private static func needsTypedKeys(_ root: Node) -> Bool {
        var seen = Set<Int>(), keyMarks = Set<Int>(), valueMarks = Set<Int>()
        func position(_ mark: Mark) -> Int { mark.line << 32 | mark.column }
        func visit(_ node: Node) -> Bool {
            if let mark = node.mark, !seen.insert(position(mark)).inserted { return false }
            switch node {
            case let .mapping(map):
                var texts = Set<String>()
                for (k, v) in map {
                    guard case let .scalar(s) = k, texts.insert(s.string).inserted else { return true }
                    if let mark = k.mark { keyMarks.insert(position(mark)) }
                    if case .scalar = v, let mark = v.mark { valueMarks.insert(position(mark)) }
                }
                return map.contains { visit($0.value) }
            case let .sequence(items):
                for item in items { if case .scalar = item, let mark = item.mark { valueMarks.insert(position(mark)) } }
                return items.contains { visit($0) }
            case .scalar, .alias:
                return false
            }
        }
        return visit(root) || !keyMarks.isDisjoint(with: valueMarks)
    }

    /// A plain scalar's value: `text` is its text after `${}` substitution. An
    /// explicit tag (`!!str 5`) holds while the text is as written; substituted
    /// text is typed afresh, as `Node(text)` would be.
    static func value(of text: String, written s: Node.Scalar) -> JSONValue {
        let name = text == s.string && !s.tag.rawValue.isEmpty ? Tag.Name(rawValue: s.tag.rawValue) : plainTag(text)
        // The written node's tag, renamed: its resolver and constructor, no new (regex-compiling) defaults.
        let typed = Node.Scalar(text, s.tag.copy(with: name))
        switch name {
        case .null: return .null
        case .bool: return Bool.construct(from: typed).map(JSONValue.bool) ?? .string(text)
        case .int: return Int.construct(from: typed).map { .int(Int64($0)) } ?? .string(text)
        case .float: return Double.construct(from: typed).map(JSONValue.double) ?? .string(text)
        default: return .string(text)
        }
    }

    /// The tag Yams' default resolver gives an untagged plain scalar of `text`
    /// (`Resolver.Rule.bool`, `.int`, `.float`, `.null`, first match wins; the
    /// others are strings here). Its patterns end in ICU's `$`, which also
    /// matches before one line break that ends the text.
    static func plainTag(_ text: String) -> Tag.Name {
        var b = Array(text.utf8)[...]
        if b.last == 0x0A {
            b.removeLast()
            if b.last == 0x0D { b.removeLast() }
        } else if let last = b.last, (0x0B ... 0x0D).contains(last) {
            b.removeLast()
        } else if b.suffix(2).elementsEqual([0xC2, 0x85]) {
            b.removeLast(2)  // U+0085
        } else if b.suffix(3).elementsEqual([0xE2, 0x80, 0xA8]) || b.suffix(3).elementsEqual([0xE2, 0x80, 0xA9]) {
            b.removeLast(3)  // U+2028, U+2029
        }
        if isBool(b) { return .bool }
        if isInt(b) { return .int }
        if isFloat(b) { return .float }
        if isNull(b) { return .null }
        return .str
    }

    private static let boolWords = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
                                    "on", "On", "ON", "off", "Off", "OFF"]

    /// `yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF`
    private static func isBool(_ b: ArraySlice<UInt8>) -> Bool {
        boolWords.contains { b.elementsEqual($0.utf8) }
    }

    /// `~|null|Null|NULL|` (the empty text too)
    private static func isNull(_ b: ArraySlice<UInt8>) -> Bool {
        b.isEmpty || ["~", "null", "Null", "NULL"].contains { b.elementsEqual($0.utf8) }
    }

    /// `[-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+`
    private static func isInt(_ b: ArraySlice<UInt8>) -> Bool {
        let d = unsigned(b)
        guard let first = d.first else { return false }
        let rest = d.dropFirst()
        if first == 0x30 {  // "0"
            if rest.isEmpty { return true }
            if rest.first == 0x62 { return isRun(rest.dropFirst()) { $0 == 0x30 || $0 == 0x31 } }  // 0b
            if rest.first == 0x78 { return isRun(rest.dropFirst()) { isDigit($0) || (0x61 ... 0x66).contains($0 | 0x20) } }  // 0x
            return isRun(rest.first == 0x6F ? rest.dropFirst() : rest) { (0x30 ... 0x37).contains($0) }  // 0o, 0
        }
        guard (0x31 ... 0x39).contains(first) else { return false }
        return rest.allSatisfy { isDigit($0) || $0 == 0x5F } || isSexagesimal(d, head: 0x31 ... 0x39)
    }

    /// `[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)? | \.[0-9_]+(?:[eE][-+][0-9]+)?
    /// | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)`
    private static func isFloat(_ b: ArraySlice<UInt8>) -> Bool {
        let d = unsigned(b)
        if ["nan", "NaN", "NAN"].contains(where: { b.elementsEqual(".\($0)".utf8) }) { return true }
        if ["inf", "Inf", "INF"].contains(where: { d.elementsEqual(".\($0)".utf8) }) { return true }
        if b.first == 0x2E {  // .5, .5e+1: no sign before the point, one in the exponent
            let digits = b.dropFirst().prefix { isDigit($0) || $0 == 0x5F }
            return !digits.isEmpty && isExponent(b[digits.endIndex...], signRequired: true)
        }
        guard let first = d.first, isDigit(first) else { return false }
        if let dot = d.firstIndex(of: 0x2E), d[..<dot].contains(0x3A) {  // 1:30.5
            return isSexagesimal(d[..<dot], head: 0x30 ... 0x39) && d[(dot + 1)...].allSatisfy { isDigit($0) || $0 == 0x5F }
        }
        var rest = d.dropFirst().drop { isDigit($0) || $0 == 0x5F }
        if rest.first == 0x2E { rest = rest.dropFirst().drop { isDigit($0) || $0 == 0x5F } }
        return isExponent(rest, signRequired: false)
    }

    /// `(?:[eE][-+]?[0-9]+)?` to the end (the sign required in `.5e+1`'s form).
    private static func isExponent(_ b: ArraySlice<UInt8>, signRequired: Bool) -> Bool {
        guard let e = b.first else { return true }
        guard e == 0x65 || e == 0x45 else { return false }
        var digits = b.dropFirst()
        if digits.first == 0x2B || digits.first == 0x2D {
            digits = digits.dropFirst()
        } else if signRequired {
            return false
        }
        return !digits.isEmpty && digits.allSatisfy(isDigit)
    }

    /// `head[0-9_]*(?::[0-5]?[0-9])+` exactly: base-60 parts after the first.
    private static func isSexagesimal(_ b: ArraySlice<UInt8>, head: ClosedRange<UInt8>) -> Bool {
        guard let first = b.first, head.contains(first), let colon = b.firstIndex(of: 0x3A),
              b[b.index(after: b.startIndex) ..< colon].allSatisfy({ isDigit($0) || $0 == 0x5F })
        else { return false }
        return b[(colon + 1)...].split(separator: 0x3A, omittingEmptySubsequences: false).allSatisfy { part in
            part.count == 1 ? isDigit(part[part.startIndex]) : part.count == 2 && (0x30 ... 0x35).contains(part[part.startIndex]) && isDigit(part[part.startIndex + 1])
        }
    }

    /// `b` without one leading `+` or `-`.
    private static func unsigned(_ b: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        b.first == 0x2B || b.first == 0x2D ? b.dropFirst() : b
    }

    /// One or more bytes, each `_` or one `digit` accepts.
    private static func isRun(_ b: ArraySlice<UInt8>, _ digit: (UInt8) -> Bool) -> Bool {
        !b.isEmpty && b.allSatisfy { $0 == 0x5F || digit($0) }
    }

    private static func isDigit(_ c: UInt8) -> Bool { (0x30 ... 0x39).contains(c) }
}
