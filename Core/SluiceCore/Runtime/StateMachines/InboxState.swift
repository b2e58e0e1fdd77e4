/// What `BoundedQueue` holds and who waits on it, without its lock or its
/// waits: the elements in order (a ring, so a pop moves nothing) and the
/// threads parked for an element or for room. Each push and pop says
/// whether a parked thread must be woken, so a hand-off between two stages
/// running side by side on two cores makes no wake-up call (a futex system
/// call, and an inter-processor interrupt when the other core sleeps) unless
/// the other side really sleeps.
struct InboxState<Element> {
    /// Slots of the ring; a taken slot is cleared at once, so a consumed
    /// batch is freed when its consumer is done with it.
    private var slots: [Element?]
    private var head = 0
    private(set) var count = 0
    /// Pushes wait while `count` is at least this (control messages may go beyond it).
    let capacity: Int
    /// Consumers waiting for an element (each found the queue empty).
    private(set) var parkedConsumers = 0
    /// Producers waiting for room (each found the queue full).
    private(set) var parkedProducers = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        slots = Array(repeating: nil, count: self.capacity)
    }

    var isEmpty: Bool { count == 0 }
    /// The oldest element, left in place.
    var first: Element? { count == 0 ? nil : slots[head] }
    var isFull: Bool { count >= capacity }

    /// Appends `element`, beyond the capacity if need be (the caller decides
    /// whether to wait for room first); true when a parked consumer is to be woken.
    mutating func push(_ element: Element) -> Bool {
        if count == slots.count { grow() }
        slots[(head + count) % slots.count] = element
        count += 1
        return parkedConsumers > 0
    }

    /// Takes the oldest element, and whether a parked producer is to be
    /// woken (one, for the one slot this frees); nil when empty.
    mutating func pop() -> (element: Element, wakeProducer: Bool)? {
        guard count > 0, let element = slots[head].take() else { return nil }
        head = (head + 1) % slots.count
        count -= 1
        return (element, parkedProducers > 0 && count < capacity)
    }

    mutating func consumerParks() { parkedConsumers += 1 }
    mutating func consumerWakes() { parkedConsumers -= 1 }
    mutating func producerParks() { parkedProducers += 1 }
    mutating func producerWakes() { parkedProducers -= 1 }

    /// Doubles the ring (control messages pushed past the capacity), keeping the order.
    private mutating func grow() {
        var larger = [Element?](repeating: nil, count: slots.count * 2)
        for i in 0 ..< count { larger[i] = slots[(head + i) % slots.count].take() }
        slots = larger
        head = 0
    }
}
