/// A stage's inbox as its producers and its thread see it: a
/// `BoundedQueue` for a stage with one input port, a `PortedQueue` for a
/// processor with several (a queue per port, taken in event-time order).
protocol Inbox: AnyObject, Sendable {
    /// Appends a batch that arrives on `port`, blocking while that port is
    /// full; returns how long it blocked in nanoseconds.
    func push(_ message: Message, port: Int) -> UInt64
    /// Appends even when full (control messages must never deadlock a
    /// producer), behind what `port` holds.
    func pushIgnoringCapacity(_ message: Message, port: Int)
    /// Removes the next message, waiting up to `timeout` seconds; nil on timeout.
    func pop(timeout: Double) -> Message?
    /// Messages waiting, and their room, over all ports.
    var count: Int { get }
    var capacity: Int { get }
    /// Whether a push on `port` would not block now (a round-robin spread
    /// picks a worker by it: another port's room is no use to this batch).
    func hasRoom(port: Int) -> Bool
}

extension BoundedQueue: Inbox where Element == Message {
    func push(_ message: Message, port _: Int) -> UInt64 { push(message) }
    func hasRoom(port _: Int) -> Bool { count < capacity }
    func pushIgnoringCapacity(_ message: Message, port _: Int) { pushIgnoringCapacity(message) }
}

extension Message {
    /// What `InputAlignment` orders by: a batch's earliest and latest event
    /// time, or the kind of control message.
    var alignmentKind: InputAlignment.Head.Kind {
        switch self {
        case let .batch(envelope):
            let range = envelope.records.eventTimeRange
            return .batch(earliest: range?.earliest, latest: range?.latest)
        case .end: return .end
        case .revoked: return .revocation
        }
    }
}
