import Yams

/// Bounds what YAML aliases make of a manifest. A 600-byte "billion laughs"
/// file (anchors each repeating the previous one nine times) composes cheaply,
/// since aliases share storage, but expands to hundreds of millions of nodes
/// wherever it is walked; the manifest is refused before anything walks it.
enum AliasExpansion {
    /// Node count above which a manifest is refused: far beyond a
    /// 10,000-component pipeline, far below what exhausts memory.
    static let maxNodes = 1_000_000

    /// The number of nodes `root` expands to, counting each alias as a copy,
    /// or nil once it passes `limit`. Linear in the written nodes: an alias's
    /// copy keeps its anchor's source position, so each position is sized once.
    static func expandedSize(_ root: Node, limit: Int = maxNodes) -> Int? {
        var sizes: [Position: Int] = [:]
        func size(_ node: Node) -> Int? {
            let position = node.mark.map { Position(line: $0.line, column: $0.column) }
            if let position, let known = sizes[position] { return known }
            var total = 1
            let children: [Node]
            switch node {
            case let .mapping(m): children = m.flatMap { [$0.key, $0.value] }
            case let .sequence(s): children = Array(s)
            default: children = []
            }
            for child in children {
                guard let n = size(child) else { return nil }
                total += n
                if total > limit { return nil }
            }
            if let position { sizes[position] = total }
            return total
        }
        return size(root)
    }

    private struct Position: Hashable {
        let line: Int, column: Int
    }
}
