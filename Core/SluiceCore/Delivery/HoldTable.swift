import Synchronization

/// The held deliveries of one component instance (ABI 1.1 `hold`/`release`).
///
/// A hold keeps its record's source delivery open while the record sits in
/// the plugin's state: a pin on the record's own token (`Ticket.pin`) when it
/// came straight from one source batch, else one reference on each ticket
/// of the envelope it came in. Handles are ids, not object addresses: a plugin that
/// releases a hold twice, or passes garbage, gets an error logged instead of
/// a use-after-free.
final class HoldTable: Sendable {
    private let table = Mutex<(next: UInt, live: [UInt: [Ticket]])>((1, [:]))

    /// Takes a hold on `tickets`; returns its handle.
    func hold(_ tickets: [Ticket]) -> UInt {
        for t in tickets { t.retain() }
        return adopt(tickets)
    }

    /// Takes a hold made of references the caller owns (a pin's child ticket).
    func adopt(_ tickets: [Ticket]) -> UInt {
        table.withLock { t in
            let id = t.next
            t.next += 1
            t.live[id] = tickets
            return id
        }
    }

    /// The tickets behind a live hold, retained once more for the caller (nil for an unknown handle).
    func retainTickets(of id: UInt) -> [Ticket]? {
        table.withLock { t in
            guard let tickets = t.live[id] else { return nil }
            for ticket in tickets { ticket.retain() }
            return tickets
        }
    }

    /// Ends a hold; false if `id` is not a live hold.
    func release(_ id: UInt) -> Bool {
        guard let tickets = table.withLock({ $0.live.removeValue(forKey: id) }) else { return false }
        for t in tickets { t.release() }
        return true
    }

    /// Holds not released yet.
    var count: Int { table.withLock { $0.live.count } }
}
