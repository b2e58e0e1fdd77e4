import Foundation

/// A blocking FIFO of fixed capacity: `push` waits while it is full, which is
/// how backpressure travels from a slow sink back to the source.
///
/// `@unchecked Sendable`: `items` and `head` are read and written under `condition`.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    /// Taken elements are cleared at once (nil), so a consumed batch is
    /// freed when its consumer is done with it, not when the array is next
    /// compacted: kept until then, up to 64 batches stayed alive per queue.
    private var items: [Element?] = []
    private var head = 0
    private let condition = NSCondition()

    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count - head
    }

    /// Appends, blocking while the queue is full; returns how long it
    /// blocked in nanoseconds (the clock is read only when it must wait).
    @discardableResult
    func push(_ item: Element) -> UInt64 {
        condition.lock()
        var waited: UInt64 = 0
        if items.count - head >= capacity {
            let started = Clock.monotonicNanos()
            while items.count - head >= capacity { condition.wait() }
            waited = max(1, Clock.monotonicNanos() - started)
        }
        items.append(item)
        condition.broadcast()
        condition.unlock()
        return waited
    }

    /// Appends even when full (control messages must never deadlock a producer).
    func pushIgnoringCapacity(_ item: Element) {
        condition.lock()
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    /// Removes the oldest element, waiting up to `timeout` seconds; nil on timeout.
    func pop(timeout: Double) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while items.count == head {
            if !condition.wait(until: deadline) { return nil }
        }
        let item = items[head].take()
        head += 1
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }
}
