/// The newest `capacity` items by time, in time order.
///
/// Items may arrive out of order (a replayed CSV, a late reading): each is
/// put in its place, and when the window is full the oldest by time leaves.
/// An item older than everything in a full window is not kept. An item that
/// `replaces` one already held takes its place, so a replay after a crash
/// (at-least-once delivery) draws nothing twice.
public struct TimeWindow<Item: Timed>: Sendable, Equatable {
    /// What `insert` did.
    public enum Outcome: Equatable, Sendable {
        /// Kept; `evicted` is how many older items left to make room (0 or 1).
        case kept(evicted: Int)
        /// Took the place of an item it replaces.
        case replaced
        /// Older than every item of a full window.
        case dropped
    }

    public let capacity: Int
    public private(set) var items: [Item] = []

    public init(capacity: Int) {
        precondition(capacity > 0, "a window holds at least one item")
        self.capacity = capacity
    }

    public var count: Int { items.count }

    public mutating func insert(_ item: Item) -> Outcome {
        // Readings mostly come in time order: the end is the common place.
        guard let last = items.last, item.time <= last.time else {
            items.append(item)
            return .kept(evicted: trim())
        }
        var index = firstIndex(notBefore: item.time)
        while index < items.count, items[index].time == item.time {
            if item.replaces(items[index]) {
                items[index] = item
                return .replaced
            }
            index += 1
        }
        if items.count == capacity, index == 0 { return .dropped }
        items.insert(item, at: index)
        return .kept(evicted: trim())
    }

    /// The first index whose item's time is `time` or later (binary search).
    private func firstIndex(notBefore time: Int64) -> Int {
        var low = 0, high = items.count
        while low < high {
            let mid = (low + high) / 2
            if items[mid].time < time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private mutating func trim() -> Int {
        guard items.count > capacity else { return 0 }
        items.removeFirst(items.count - capacity)
        return 1
    }
}
