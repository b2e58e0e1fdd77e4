import Foundation

/// A pthread mutex and condition variables whose timed waits measure on the
/// monotonic clock (a wall-clock step cannot stretch or cut them): the
/// locking under the engine's blocking queues, `BoundedQueue` and
/// `PortedQueue`. pthread rather than `Mutex`, which has no conditions.
///
/// `@unchecked Sendable`: the mutex and the conditions are used only
/// through pthread's own calls, which synchronize.
final class MonotonicMonitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let conditionCount: Int

    /// - Parameter count: the conditions, numbered from 0.
    init(conditions count: Int) {
        conditionCount = count
        conditions = .allocate(capacity: count)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        for i in 0 ..< count { pthread_cond_init(conditions + i, &attributes) }
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        for i in 0 ..< conditionCount { pthread_cond_destroy(conditions + i) }
        pthread_mutex_destroy(mutex)
        conditions.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }

    func unlock() { pthread_mutex_unlock(mutex) }

    /// With the lock held: waits until `condition` is signalled (or a spurious wake-up).
    func wait(_ condition: Int) { pthread_cond_wait(conditions + condition, mutex) }

    /// With the lock held: waits until `condition` is signalled or the
    /// monotonic time `nanos` (`Clock.monotonicNanos`); false once that time passed.
    @discardableResult
    func wait(_ condition: Int, until nanos: UInt64) -> Bool {
        var end = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        return pthread_cond_timedwait(conditions + condition, mutex, &end) != ETIMEDOUT
    }

    func signal(_ condition: Int) { pthread_cond_signal(conditions + condition) }
}
