/// What changed in a `DashboardState` (or, from `snapshot()`, all of it):
/// keys evicted, then per key and field the items kept. The page applies
/// the evictions first, then inserts the items into its own windows with
/// the same rules, so it ends up holding what the sink holds.
public struct SeriesDelta: Sendable, Equatable {
    /// Keys that left the dashboard, in eviction order.
    public private(set) var evicted: [String] = []
    /// Keys with changes, in the order they were first touched.
    public private(set) var keys: [String] = []
    /// `fields[i]` holds the changes of `keys[i]`, one per value field.
    public private(set) var fields: [[FieldSeries.Delta]] = []
    private var positions: [String: Int] = [:]

    public init() {}

    public var isEmpty: Bool { evicted.isEmpty && keys.isEmpty }

    /// Lists `key` (a new key shows on the page before it has readings); its position.
    @discardableResult
    mutating func touch(_ key: String, fieldCount: Int) -> Int {
        if let p = positions[key] { return p }
        positions[key] = keys.count
        keys.append(key)
        fields.append(Array(repeating: FieldSeries.Delta(), count: fieldCount))
        return keys.count - 1
    }

    /// The changes of the key at `position` (from `touch`), one per field, for the caller to add to.
    mutating func withChanges<R>(at position: Int, _ body: (inout [FieldSeries.Delta]) -> R) -> R {
        body(&fields[position])
    }

    /// A key left: changes recorded for it so far no longer apply.
    mutating func evict(_ key: String) {
        if let p = positions.removeValue(forKey: key) {
            keys.remove(at: p)
            fields.remove(at: p)
            for (k, q) in positions where q > p { positions[k] = q - 1 }
        }
        evicted.append(key)
    }

    /// The changes of `key`, if any.
    public func changes(of key: String) -> [FieldSeries.Delta]? {
        positions[key].map { fields[$0] }
    }
}
