import Synchronization

/// The held deliveries of one component instance (ABI 1.1 `hold`/`release`).
///
/// A hold keeps its record's source delivery open while the record sits in
/// the plugin's state: a pin on the record's own token (`Ticket.pin`) when it
/// came straight from one source batch, else one reference on each ticket
/// of the envelope it came in. Handles are ids, not object addresses: a plugin that
/// releases a hold twice, or passes garbage, gets an error logged instead of
/// a use-after-free.
///
/// Holds live in reused slots, so taking and ending one costs no hashing
/// and no allocation: a join takes and ends one per record. A
/// handle is its slot and the slot's generation, which changes whenever the
/// slot is freed, so a stale handle is refused.
final class HoldTable: Sendable {
    /// What one output of a call carries through the holds its records list.
    struct Attached {
        /// Tickets of holds on whole envelopes, each retained once for the holder.
        var tickets: [ObjectIdentifier: Ticket] = [:]
        /// Pins of holds on single records, each pinned once more for the holder.
        var pins: [Ticket.Pin] = []
    }

    private enum Tickets {
        case pin(Ticket.Pin)
        case one(Ticket)
        case many([Ticket])
    }

    private struct Slot {
        var generation: UInt32 = 0
        var tickets: Tickets?
    }

    private struct State {
        var slots: [Slot] = []
        var free: [Int] = []
        var live = 0
        /// Holds ended since `takeReleased`, when the table keeps them.
        var released: [UInt] = []
        /// Open `deferUnpins` scopes; while there is one, released pins wait in `deferred`.
        var deferring = 0
        var deferred = DeferredUnpins()

        /// The slot of live hold `id`, or nil.
        func slot(of id: UInt) -> Int? {
            let index = Int(id & 0xFFFF_FFFF) - 1
            guard index >= 0, index < slots.count, slots[index].tickets != nil,
                  slots[index].generation == UInt32(truncatingIfNeeded: id >> 32) else { return nil }
            return index
        }
    }

    private let table = Mutex(State())
    /// Whether ended holds are noted for `takeReleased`: an isolated
    /// processor's child reports them to the host in its next answer.
    private let journalsReleases: Bool

    init(journalsReleases: Bool = false) {
        self.journalsReleases = journalsReleases
    }

    /// Takes a hold on `tickets`; returns its handle.
    func hold(_ tickets: [Ticket]) -> UInt {
        for t in tickets { t.retain() }
        return insert(tickets.count == 1 ? .one(tickets[0]) : .many(tickets))
    }

    /// Takes a hold that pins `token` of `batch` (`hint`: where the token
    /// likely is in the batch); nil if the batch cannot pin it.
    func pin(_ token: UInt64, of batch: Ticket, hint: Int) -> UInt? {
        guard let position = batch.pin(token, hint: hint) else { return nil }
        return insert(.pin(Ticket.Pin(batch: batch, position: position)))
    }

    private func insert(_ tickets: Tickets) -> UInt {
        table.withLock { t in
            let index: Int
            if let reused = t.free.popLast() {
                index = reused
            } else {
                index = t.slots.count
                t.slots.append(Slot())
            }
            t.slots[index].tickets = tickets
            t.live += 1
            return UInt(t.slots[index].generation) << 32 | UInt(index + 1)
        }
    }

    /// Adds what keeps live holds `ids` open to `attached`: their tickets,
    /// retained once for the caller unless already there, and their pins,
    /// pinned once more. Attaches nothing and returns false if any id is not
    /// a live hold.
    func attach(_ ids: UnsafeBufferPointer<OpaquePointer?>, to attached: inout Attached) -> Bool {
        table.withLock { t in
            for id in ids {
                guard let id, t.slot(of: UInt(bitPattern: UnsafeRawPointer(id))) != nil else { return false }
            }
            for id in ids {
                switch t.slots[t.slot(of: UInt(bitPattern: UnsafeRawPointer(id!)))!].tickets! {
                case let .pin(pin):
                    // Under the table's lock: a release of the hold cannot end the pin before this one is taken.
                    pin.batch.repin(pin.position)
                    attached.pins.append(pin)
                case let .one(ticket): Self.add(ticket, to: &attached.tickets)
                case let .many(tickets): for ticket in tickets { Self.add(ticket, to: &attached.tickets) }
                }
            }
            return true
        }
    }

    private static func add(_ ticket: Ticket, to attached: inout [ObjectIdentifier: Ticket]) {
        let id = ObjectIdentifier(ticket)
        guard attached[id] == nil else { return }
        ticket.retain()
        attached[id] = ticket
    }

    /// Ends a hold; false if `id` is not a live hold. Inside a
    /// `deferUnpins` scope a pin ends with the scope: the hold itself ends at
    /// once (a later attach of it is refused), its token is acked with the others.
    func release(_ id: UInt) -> Bool {
        let ended = table.withLock { end(id, &$0) }
        Self.finish(ended.tickets)
        return ended.live
    }

    /// Ends the holds `ids` in order, as `release` of each would, under one
    /// lock (ABI 1.6 `release_many`: a join releases the rows a batch
    /// evicted together); returns how many were not live holds.
    func release(_ ids: UnsafeBufferPointer<OpaquePointer?>) -> Int {
        var ending: [Tickets] = []
        let notLive = table.withLock { t in
            var notLive = 0
            for id in ids {
                let ended = end(id.map { UInt(bitPattern: UnsafeRawPointer($0)) } ?? 0, &t)
                if !ended.live { notLive += 1 }
                if let tickets = ended.tickets { ending.append(tickets) }
            }
            return notLive
        }
        for tickets in ending { Self.finish(tickets) }
        return notLive
    }

    /// Ends hold `id` in the table; returns whether it was live, and what
    /// to end once the lock is released (nil for a pin deferred to the scope's end).
    private func end(_ id: UInt, _ t: inout State) -> (live: Bool, tickets: Tickets?) {
        guard let index = t.slot(of: id) else { return (false, nil) }
        let tickets = t.slots[index].tickets.take()
        t.slots[index].generation &+= 1
        t.free.append(index)
        t.live -= 1
        if journalsReleases { t.released.append(id) }
        if t.deferring > 0, case let .pin(pin)? = tickets {
            t.deferred.add(pin)
            return (true, nil)
        }
        return (true, tickets)
    }

    private static func finish(_ tickets: Tickets?) {
        switch tickets {
        case nil: break
        case let .pin(pin)?: pin.batch.unpin(pin.position)
        case let .one(ticket)?: ticket.release()
        case let .many(list)?: for ticket in list { ticket.release() }
        }
    }

    /// Opens a scope (a processor call) in which released pins are kept and
    /// ended together when the last open scope closes: one lock and one ack
    /// per batch, where a join that evicts a run of rows would ack each
    /// record alone and wake its source each time.
    func deferUnpins() {
        table.withLock { $0.deferring += 1 }
    }

    /// Closes a `deferUnpins` scope; the last one ends the pins released in it.
    func endDeferral() {
        let runs = table.withLock { t -> DeferredUnpins? in
            t.deferring -= 1
            guard t.deferring == 0, !t.deferred.isEmpty else { return nil }
            return t.deferred.take()
        }
        runs?.unpin()
    }

    /// The holds ended since the last call (with `journalsReleases`), in
    /// the order they ended: `release` may run on any thread, between calls.
    func takeReleased() -> [UInt] {
        table.withLock { t in
            defer { t.released = [] }
            return t.released
        }
    }

    /// Holds not released yet.
    var count: Int { table.withLock { $0.live } }
}
