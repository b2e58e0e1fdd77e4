import Foundation

/// A blocking FIFO of fixed capacity: `push` waits while it is full, which is
/// how backpressure travels from a slow sink back to the source.
///
/// Consumers and producers wait on conditions of their own, and are woken
/// only when one of them is parked (`InboxState`): a batch handed to a
/// stage that is busy on the other core costs a lock and an unlock, no
/// wake-up call.
///
/// `@unchecked Sendable`: `state` is read and written under `mutex`.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    private var state: InboxState<Element>
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled for a parked consumer when an element arrives.
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Signalled for a parked producer when a pop frees room.
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    let capacity: Int

    init(capacity: Int) {
        state = InboxState(capacity: capacity)
        self.capacity = state.capacity
        pthread_mutex_init(mutex, nil)
        // Timed waits measure on the monotonic clock: a wall-clock step cannot stretch or cut them.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(notEmpty, &attributes)
        pthread_cond_init(notFull, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        notFull.deallocate()
        notEmpty.deallocate()
        mutex.deallocate()
    }

    var count: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return state.count
    }

    /// Appends, blocking while the queue is full; returns how long it
    /// blocked in nanoseconds (the clock is read only when it must wait).
    @discardableResult
    func push(_ item: Element) -> UInt64 {
        pthread_mutex_lock(mutex)
        var waited: UInt64 = 0
        if state.isFull {
            let started = Clock.monotonicNanos()
            state.producerParks()
            while state.isFull { pthread_cond_wait(notFull, mutex) }
            state.producerWakes()
            waited = max(1, Clock.monotonicNanos() - started)
        }
        let wake = state.push(item)
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(notEmpty) }
        return waited
    }

    /// Appends even when full (control messages must never deadlock a producer).
    func pushIgnoringCapacity(_ item: Element) {
        pthread_mutex_lock(mutex)
        let wake = state.push(item)
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(notEmpty) }
    }

    /// Removes the oldest element, waiting up to `timeout` seconds; nil on timeout.
    func pop(timeout: Double) -> Element? {
        pthread_mutex_lock(mutex)
        if state.isEmpty {
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let nanos = Int(deadline.tv_nsec) + Int(max(0, timeout) * 1e9)
            deadline.tv_sec += nanos / 1_000_000_000
            deadline.tv_nsec = nanos % 1_000_000_000
            state.consumerParks()
            while state.isEmpty {
                if pthread_cond_timedwait(notEmpty, mutex, &deadline) == ETIMEDOUT, state.isEmpty { break }
            }
            state.consumerWakes()
        }
        let taken = state.pop()
        pthread_mutex_unlock(mutex)
        if taken?.wakeProducer == true { pthread_cond_signal(notFull) }
        return taken?.element
    }
}
