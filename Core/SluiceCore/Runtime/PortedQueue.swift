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
/// `@unchecked Sendable`: `state` is read and written under `monitor`'s lock.
final class PortedQueue: Inbox, @unchecked Sendable {
    private var state: PortedInboxState<Message>
    /// Condition 0 is signalled for a parked consumer when an element
    /// arrives; condition 1 + p for a parked producer when a pop frees room on port p.
    private let monitor: MonotonicMonitor
    private static let notEmpty = 0

    private static func notFull(_ port: Int) -> Int { 1 + port }

    /// - Parameters:
    ///   - capacity: batches over all ports, shared out evenly.
    ///   - maxHoldMillis: how long a port ahead in event time may be held back for an empty one (`InputAlignment`).
    init(ports: Int, capacity: Int, maxHoldMillis: Int) {
        state = PortedInboxState(ports: ports, capacity: max(1, capacity / ports), maxHoldNanos: UInt64(max(0, maxHoldMillis)) * 1_000_000)
        self.capacity = state.capacity * ports
        monitor = MonotonicMonitor(conditions: 1 + ports)
    }

    var count: Int {
        monitor.lock()
        defer { monitor.unlock() }
        return state.count
    }

    /// Fixed at init, so that producers read it without the lock.
    let capacity: Int

    func hasRoom(port: Int) -> Bool {
        monitor.lock()
        defer { monitor.unlock() }
        return !state.isFull(port: port)
    }

    /// One more edge feeds `port` (called while the engine wires the graph, before any thread runs).
    func addEdge(port: Int) {
        monitor.lock()
        state.addEdge(port: port)
        monitor.unlock()
    }

    func push(_ message: Message, port: Int) -> UInt64 {
        let kind = message.alignmentKind
        monitor.lock()
        var waited: UInt64 = 0
        if state.isFull(port: port) {
            let started = Clock.monotonicNanos()
            state.producerParks(port: port)
            while state.isFull(port: port) { monitor.wait(Self.notFull(port)) }
            state.producerWakes(port: port)
            waited = max(1, Clock.monotonicNanos() - started)
        }
        let wake = state.push(message, port: port, kind: kind)
        monitor.unlock()
        if wake { monitor.signal(Self.notEmpty) }
        return waited
    }

    func pushIgnoringCapacity(_ message: Message, port: Int) {
        let kind = message.alignmentKind
        monitor.lock()
        let wake = state.push(message, port: port, kind: kind)
        monitor.unlock()
        if wake { monitor.signal(Self.notEmpty) }
    }

    func pop(timeout: Double) -> Message? {
        monitor.lock()
        let deadline = Clock.monotonicNanos() &+ UInt64(max(0, timeout) * 1e9)
        while true {
            let now = Clock.monotonicNanos()
            switch state.pop(now: now) {
            case let .element(message, port, wakeProducer):
                monitor.unlock()
                if wakeProducer { monitor.signal(Self.notFull(port)) }
                return message
            case let .hold(until) where now < deadline: park(until: min(until, deadline))
            case .empty where now < deadline: park(until: deadline)
            case .hold, .empty:
                monitor.unlock()
                return nil
            }
        }
    }

    /// Waits, with the lock held, for a push or the monotonic time `nanos`.
    private func park(until nanos: UInt64) {
        state.consumerParks()
        monitor.wait(Self.notEmpty, until: nanos)
        state.consumerWakes()
    }
}
