/// Puts each key's readings back in time order before they reach the
/// models: a reading waits until the key's newest reading is more than
/// `window` ms after it, then comes out with every earlier one, oldest
/// first. A reading not after the last one already let out cannot be
/// placed any more and comes out at once (the series marks it stale).
///
/// Generic over what a reading carries, so tests drive it with plain values.
public struct ReorderBuffer<Item> {
    /// How long a reading waits for earlier ones, in ms.
    public let window: Int64
    var pending: [Int: [(time: Int64, sequence: Int, item: Item)]] = [:]
    var newest: [Int: Int64] = [:]
    var released: [Int: Int64] = [:]
    var sequence = 0

    public init(window: Int64) { self.window = window }

    /// Readings waiting, over every key.
    public private(set) var count = 0

    /// Takes in a reading of `key` at `time`; returns the readings of that
    /// key now due, in time order (ties in arrival order).
    public mutating func add(key: Int, time: Int64, _ item: Item) -> [Item] {
        if let last = released[key], time <= last { return [item] }
        sequence += 1
        pending[key, default: []].append((time, sequence, item))
        count += 1
        let newest = max(self.newest[key] ?? time, time)
        self.newest[key] = newest
        return release(key, before: newest - window)
    }

    /// Every reading still waiting with its key, key by key, each key's in time order: the drain.
    public mutating func drain() -> [(key: Int, item: Item)] {
        var out: [(key: Int, item: Item)] = []
        for key in pending.keys.sorted() { out += release(key, before: .max).map { (key, $0) } }
        return out
    }

    /// The key's readings before `limit`, oldest first.
    mutating func release(_ key: Int, before limit: Int64) -> [Item] {
        guard var waiting = pending[key], waiting.contains(where: { $0.time < limit }) else { return [] }
        waiting.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
        let due = waiting.prefix { $0.time < limit }
        waiting.removeFirst(due.count)
        pending[key] = waiting.isEmpty ? nil : waiting
        released[key] = due.last!.time
        count -= due.count
        return due.map(\.item)
    }
}
