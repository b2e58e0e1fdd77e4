import Foundation

/// The inbox of a processor with several input ports: a blocking queue per
/// port (`PortedInboxState`), each with its share of `queue_capacity` (at
/// least one batch), so backpressure bounds memory as one inbox would and
/// each edge keeps its order; the consumer takes the
/// port whose waiting batch is earliest in event time (`InputAlignment`).
///
/// The waits are `BoundedQueue`'s: a consumer parks when it has nothing to
/// take (every port empty, or what waits is held back for a while), a
/// producer only when its own port is full, and each is woken only when parked.
///
/// `@unchecked Sendable`: `state` is read and written under `mutex`.
final class PortedQueue: Inbox, @unchecked Sendable {
    private var state: PortedInboxState<Message>
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled for a parked consumer when an element arrives.
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Per port, signalled for a parked producer when a pop frees room there.
    private let notFull: UnsafeMutablePointer<pthread_cond_t>
    private let ports: Int

    /// - Parameters:
    ///   - capacity: batches over all ports, shared out evenly.
    ///   - maxHoldMillis: how long a port ahead in event time may be held back for an empty one (`InputAlignment`).
    init(ports: Int, capacity: Int, maxHoldMillis: Int) {
        state = PortedInboxState(ports: ports, capacity: max(1, capacity / ports), maxHoldNanos: UInt64(max(0, maxHoldMillis)) * 1_000_000)
        self.capacity = state.capacity * ports
        self.ports = ports
        notFull = .allocate(capacity: ports)
        pthread_mutex_init(mutex, nil)
        // Timed waits measure on the monotonic clock: a wall-clock step cannot stretch or cut them.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(notEmpty, &attributes)
        for port in 0 ..< ports { pthread_cond_init(notFull + port, &attributes) }
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        for port in 0 ..< ports { pthread_cond_destroy(notFull + port) }
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

    /// Fixed at init, so that producers read it without the lock.
    let capacity: Int

    func hasRoom(port: Int) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return !state.isFull(port: port)
    }

    /// One more edge feeds `port` (called while the engine wires the graph, before any thread runs).
    func addEdge(port: Int) {
        pthread_mutex_lock(mutex)
        state.addEdge(port: port)
        pthread_mutex_unlock(mutex)
    }

    func push(_ message: Message, port: Int) -> UInt64 {
        let kind = message.alignmentKind
        pthread_mutex_lock(mutex)
        var waited: UInt64 = 0
        if state.isFull(port: port) {
            let started = Clock.monotonicNanos()
            state.producerParks(port: port)
            while state.isFull(port: port) { pthread_cond_wait(notFull + port, mutex) }
            state.producerWakes(port: port)
            waited = max(1, Clock.monotonicNanos() - started)
        }
        let wake = state.push(message, port: port, kind: kind)
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(notEmpty) }
        return waited
    }

    func pushIgnoringCapacity(_ message: Message, port: Int) {
        let kind = message.alignmentKind
        pthread_mutex_lock(mutex)
        let wake = state.push(message, port: port, kind: kind)
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(notEmpty) }
    }

    func pop(timeout: Double) -> Message? {
        pthread_mutex_lock(mutex)
        let deadline = Clock.monotonicNanos() &+ UInt64(max(0, timeout) * 1e9)
        while true {
            let now = Clock.monotonicNanos()
            switch state.pop(now: now) {
            case let .element(message, port, wakeProducer):
                pthread_mutex_unlock(mutex)
                if wakeProducer { pthread_cond_signal(notFull + port) }
                return message
            case let .hold(until) where now < deadline: park(until: min(until, deadline))
            case .empty where now < deadline: park(until: deadline)
            case .hold, .empty:
                pthread_mutex_unlock(mutex)
                return nil
            }
        }
    }

    /// Waits, with the lock held, for a push or the monotonic time `nanos`.
    private func park(until nanos: UInt64) {
        var end = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        state.consumerParks()
        _ = pthread_cond_timedwait(notEmpty, mutex, &end)
        state.consumerWakes()
    }
}
