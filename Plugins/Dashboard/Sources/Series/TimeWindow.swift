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
    /// The items from `start` on; evicting only moves `start`, and the
    /// buffer is compacted once it holds a window's worth of evicted items,
    /// so an eviction costs O(1) amortised instead of moving the window.
    private var buffer: [Item] = []
    private var start = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a window holds at least one item")
        self.capacity = capacity
    }

    public var count: Int { buffer.count - start }

    /// The items, oldest first.
    public var items: ArraySlice<Item> { buffer[start...] }

    public static func == (a: TimeWindow, b: TimeWindow) -> Bool {
        a.capacity == b.capacity && a.items == b.items
    }

    public mutating func insert(_ item: Item) -> Outcome {
        // Readings mostly come in time order: the end is the common place.
        guard count > 0, let last = buffer.last, item.time <= last.time else {
            buffer.append(item)
            return .kept(evicted: trim())
        }
        var index = firstIndex(notBefore: item.time)
        while index < buffer.count, buffer[index].time == item.time {
            if item.replaces(buffer[index]) {
                buffer[index] = item
                return .replaced
            }
            index += 1
        }
        if count == capacity, index == start { return .dropped }
        buffer.insert(item, at: index)
        return .kept(evicted: trim())
    }

    /// The first index whose item's time is `time` or later (binary search).
    private func firstIndex(notBefore time: Int64) -> Int {
        var low = start, high = buffer.count
        while low < high {
            let mid = (low + high) / 2
            if buffer[mid].time < time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private mutating func trim() -> Int {
        guard count > capacity else { return 0 }
        start += 1
        if start >= capacity {
            buffer.removeFirst(start)
            start = 0
        }
        return 1
    }
}
