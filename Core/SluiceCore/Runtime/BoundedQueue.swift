import Foundation

/// A blocking FIFO of fixed capacity: `push` waits while it is full, which is
/// how backpressure travels from a slow sink back to the source.
///
/// Consumers and producers wait on conditions of their own, and are woken
/// only when one of them is parked (`InboxState`): a batch handed to a
/// stage that is busy on the other core costs a lock and an unlock, no
/// wake-up call.
///
/// `@unchecked Sendable`: `state` is read and written under `monitor`'s lock.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    private var state: InboxState<Element>
    /// Condition `notEmpty` is signalled for a parked consumer when an
    /// element arrives, `notFull` for a parked producer when a pop frees room.
    private let monitor = MonotonicMonitor(conditions: 2)
    private static var notEmpty: Int { 0 }
    private static var notFull: Int { 1 }

    let capacity: Int

    init(capacity: Int) {
        state = InboxState(capacity: capacity)
        self.capacity = state.capacity
    }

    var count: Int {
        monitor.lock()
        defer { monitor.unlock() }
        return state.count
    }

    /// Appends, blocking while the queue is full; returns how long it
    /// blocked in nanoseconds (the clock is read only when it must wait).
    @discardableResult
    func push(_ item: Element) -> UInt64 {
        monitor.lock()
        var waited: UInt64 = 0
        if state.isFull {
            let started = Clock.monotonicNanos()
            state.producerParks()
            while state.isFull { monitor.wait(Self.notFull) }
            state.producerWakes()
            waited = max(1, Clock.monotonicNanos() - started)
        }
        let wake = state.push(item)
        monitor.unlock()
        if wake { monitor.signal(Self.notEmpty) }
        return waited
    }

    /// Appends even when full (control messages must never deadlock a producer).
    func pushIgnoringCapacity(_ item: Element) {
        monitor.lock()
        let wake = state.push(item)
        monitor.unlock()
        if wake { monitor.signal(Self.notEmpty) }
    }

    /// Removes the oldest element, waiting up to `timeout` seconds; nil on timeout.
    func pop(timeout: Double) -> Element? {
        monitor.lock()
        if state.isEmpty {
            let deadline = Clock.monotonicNanos() &+ UInt64(max(0, timeout) * 1e9)
            state.consumerParks()
            while state.isEmpty {
                if !monitor.wait(Self.notEmpty, until: deadline), state.isEmpty { break }
            }
            state.consumerWakes()
        }
        let taken = state.pop()
        monitor.unlock()
        if taken?.wakeProducer == true { monitor.signal(Self.notFull) }
        return taken?.element
    }
}
