/// What `PortedQueue` holds and who waits on it, without its lock or its
/// waits: a queue per input port (each an `InboxState` ring, so each edge
/// keeps its order and each port its capacity), and which port is taken
/// from next (`InputAlignment`).
///
/// Capacity is per port: a full port blocks its own producers only, so an
/// input that is held back (it is ahead in event time) cannot keep out the
/// batches of the input that is behind.
struct PortedInboxState<Element> {
    private struct Entry {
        let element: Element
        let head: InputAlignment.Head
    }

    private var ports: [InboxState<Entry>]
    /// The head of each port's queue, kept in step with `ports` so that a
    /// decision compares them without building an array.
    private var heads: [InputAlignment.Head?]
    private var alignment: InputAlignment
    private var nextSequence: UInt64 = 0
    /// Elements over all ports.
    private(set) var count = 0
    /// Pushes to one port wait while it holds at least this many.
    let capacity: Int
    /// Consumers waiting for an element they may take.
    private(set) var parkedConsumers = 0

    /// - Parameter maxHoldNanos: how long a port ahead in event time may be held back for an empty one.
    init(ports: Int, capacity: Int, maxHoldNanos: UInt64) {
        precondition(ports > 0, "a queue needs a port")
        self.ports = Array(repeating: InboxState(capacity: capacity), count: ports)
        heads = Array(repeating: nil, count: ports)
        alignment = InputAlignment(ports: ports, maxHoldNanos: maxHoldNanos)
        self.capacity = self.ports[0].capacity
    }

    var isEmpty: Bool { count == 0 }
    func isFull(port: Int) -> Bool { ports[port].isFull }

    /// One more edge feeds `port`: until its end arrives, `port` may hold back the others.
    mutating func addEdge(port: Int) { alignment.addEdge(port: port) }

    /// Appends `element` to `port`'s queue, beyond its capacity if need be
    /// (the caller decides whether to wait for room first); true when a
    /// parked consumer is to be woken.
    mutating func push(_ element: Element, port: Int, kind: InputAlignment.Head.Kind) -> Bool {
        let head = InputAlignment.Head(kind: kind, sequence: nextSequence)
        nextSequence &+= 1
        _ = ports[port].push(Entry(element: element, head: head))
        if heads[port] == nil { heads[port] = head }
        count += 1
        return parkedConsumers > 0
    }

    /// What `pop` gives.
    enum Taken {
        /// The head of `port`; `wakeProducer`: a producer parked on that port is to be woken.
        case element(Element, port: Int, wakeProducer: Bool)
        /// Batches wait, all held back: until the monotonic time `until` or the next push.
        case hold(until: UInt64)
        case empty
    }

    /// Takes the head of the port `InputAlignment` picks at monotonic time `now`.
    mutating func pop(now: UInt64) -> Taken {
        switch alignment.next(heads, now: now) {
        case .empty: return .empty
        case let .hold(until): return .hold(until: until)
        case let .take(port):
            let taken = ports[port].pop()!
            heads[port] = ports[port].first?.head
            count -= 1
            alignment.took(taken.element.head, port: port)
            return .element(taken.element.element, port: port, wakeProducer: taken.wakeProducer)
        }
    }

    mutating func consumerParks() { parkedConsumers += 1 }
    mutating func consumerWakes() { parkedConsumers -= 1 }
    mutating func producerParks(port: Int) { ports[port].producerParks() }
    mutating func producerWakes(port: Int) { ports[port].producerWakes() }
}
