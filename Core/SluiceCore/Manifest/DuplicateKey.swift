import Yams

/// Where a mapping's key is written again. libyaml (through Yams) reports a
/// duplicate key at its first occurrence, which is the one a user keeps; the
/// repeat is the one to find.
enum DuplicateKey {
    /// The position of the next `key` in the mapping whose `key` at `first`
    /// is repeated: the text is composed again with that occurrence renamed,
    /// and the mapping that holds the new name holds the repeat. nil when the
    /// key is not written plainly at `first` (quoted, or a complex key), or
    /// when another key's repeat hides this one's.
    static func repeated(_ key: String, first: Mark, in text: String) -> Mark? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let width = key.unicodeScalars.count
        let start = first.column - 1
        let placeholder = String(repeating: "_", count: width)
        guard first.line >= 1, first.line <= lines.count, start >= 0, start + width <= lines[first.line - 1].count,
              String(String.UnicodeScalarView(lines[first.line - 1][start ..< start + width])) == key, key != placeholder
        else { return nil }
        lines[first.line - 1].replaceSubrange(start ..< start + width, with: placeholder.unicodeScalars)
        let renamed = lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
        do {
            return try Yams.compose(yaml: renamed).flatMap { mapping(holding: placeholder, in: $0)?.keys.first { $0.string == key }?.mark }
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            // Written three times or more: the second occurrence is now the first one reported.
            // Another key repeated elsewhere may be reported instead; its place is not this key's.
            let mark = context.mark
            let isLater = mark.line > first.line || (mark.line == first.line && mark.column > first.column)
            return duplicates.first == key && isLater ? mark : nil
        } catch {
            return nil
        }
    }

    private static func mapping(holding key: String, in node: Node) -> Node.Mapping? {
        switch node {
        case let .mapping(mapping):
            if mapping.keys.contains(where: { $0.string == key }) { return mapping }
            return mapping.values.lazy.compactMap { self.mapping(holding: key, in: $0) }.first
        case let .sequence(sequence):
            return sequence.lazy.compactMap { mapping(holding: key, in: $0) }.first
        default:
            return nil
        }
    }
}
