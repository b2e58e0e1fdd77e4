/// The event-time interval join as a value with no I/O: rows go in with
/// their key, event time and a hold; pairs, outer rows and hold releases
/// come out as `JoinEvent`s, in the order the caller must carry them out.
///
/// Every stored row leaves state exactly once: when the horizon (see
/// `Watermarks`) passes the last time a partner could have, when state
/// overflows `maxRows`, or at `drain`. It then comes out alone if its side is
/// preserved and it never matched, and its hold is released after every
/// event that listed it. A row behind the horizon is late: it is not stored
/// and its hold is never asked for.
///
/// A matched row that leaves while a partner stays passes its hold on to
/// the partner that stays longest, released when that one leaves. A crash
/// replays exactly the rows whose holds are open; if the partner replayed
/// without this row, it would find no match and come out again as an outer
/// row next to the pair already written.
///
/// Generic over the row payload and the hold, so tests drive it with plain values.
///
/// A stored row is split in two: `links` holds what probing and eviction
/// read and write for every row (time, neighbours, matched, inherited holds),
/// plain values copied without reference counting; `rows` holds the row as
/// handed back in events, touched only when a row is paired or leaves.
/// Both sides of a key share one `KeyIndex` entry: a row is stored with one
/// hash of its key, and evicted through its entry number with none.
public struct IntervalJoin<Row, Handle> {
    /// Slot and entry numbers are kept as 32-bit integers, truncated without
    /// a check (state holds at most `JoinSettings.maxRowsLimit` rows, so no
    /// slot, entry or heirloom number exceeds it; a document fits in 32
    /// bits, as BSON's length does): a link takes 32 bytes where
    /// Ints made it 56, and the partner scan and eviction reach links at
    /// random, a cache line or more apiece once state outgrows the cache.
    struct Link {
        let time: Int64
        private var previousSlot: Int32
        private var nextSlot: Int32
        private let entryNumber: Int32
        private var inheritedNode: Int32
        private let byteCount: UInt32
        let side: Side
        var matched: Bool

        init(time: Int64, side: Side, matched: Bool, previous: Int, next: Int, bytes: Int, entry: Int, inherited: Int) {
            self.time = time
            self.side = side
            self.matched = matched
            previousSlot = Int32(truncatingIfNeeded: previous)
            nextSlot = Int32(truncatingIfNeeded: next)
            byteCount = UInt32(truncatingIfNeeded: bytes)
            entryNumber = Int32(truncatingIfNeeded: entry)
            inheritedNode = Int32(truncatingIfNeeded: inherited)
        }

        /// Neighbours among the rows of the same side and key, in arrival order (-1: none).
        var previous: Int {
            get { Int(previousSlot) }
            set { previousSlot = Int32(truncatingIfNeeded: newValue) }
        }

        var next: Int {
            get { Int(nextSlot) }
            set { nextSlot = Int32(truncatingIfNeeded: newValue) }
        }

        /// Document bytes, for the state metrics.
        var bytes: Int { Int(byteCount) }
        /// The row's key's entry in `index`.
        var entry: Int { Int(entryNumber) }

        /// The first of the holds inherited from matched partners that left
        /// before this row (an index into `heirlooms`, -1: none), released with its own.
        var inherited: Int {
            get { Int(inheritedNode) }
            set { inheritedNode = Int32(truncatingIfNeeded: newValue) }
        }
    }

    /// An inherited hold, in a list threaded through `heirlooms`: passing
    /// holds on allocates nothing per row.
    struct Heirloom {
        var hold: Handle?
        var next: Int
    }

    /// The rows of one key, per side: lists threaded through `links`, so a
    /// key costs one index entry and no array of its own.
    struct KeyRows {
        var first = (-1, -1)
        var last = (-1, -1)

        func first(_ side: Side) -> Int { side == .left ? first.0 : first.1 }
        var isEmpty: Bool { first.0 < 0 && first.1 < 0 }

        mutating func setFirst(_ side: Side, _ slot: Int) {
            if side == .left { first.0 = slot } else { first.1 = slot }
        }

        mutating func setLast(_ side: Side, _ slot: Int) {
            if side == .left { last.0 = slot } else { last.1 = slot }
        }

        /// Adds `slot` at the end of `side`'s rows; returns the row before it, or -1.
        mutating func append(_ slot: Int, _ side: Side) -> Int {
            let previous = side == .left ? last.0 : last.1
            if first(side) < 0 { setFirst(side, slot) }
            setLast(side, slot)
            return previous
        }
    }

    /// Whether a row was stored or refused as late.
    public enum Admission: Equatable, Sendable {
        case stored
        /// Behind the horizon: a partner may already have been evicted.
        case late(horizon: Int64)
    }

    public let settings: JoinSettings
    /// The side of each input (port).
    public let sides: [Side]
    public private(set) var watermarks: Watermarks
    public private(set) var stats: JoinStats

    /// Per slot, parallel: `links[i]` is meaningful while `rows[i]` is not nil.
    private var links: [Link] = []
    private var rows: [JoinRow<Row, Handle>?] = []
    private var freeSlots: [Int] = []
    private var index = KeyIndex<KeyRows>()
    private var heirlooms: [Heirloom] = []
    private var freeHeirlooms: [Int] = []
    private var expiries = ExpiryQueue(lanes: 2)
    private var sequence: UInt64 = 0

    /// - Parameters:
    ///   - sides: the side of each input, indexed by input port.
    ///   - now: processing time in ms, the start of every input's idle timer.
    public init(settings: JoinSettings, sides: [Side], now: Int64) {
        self.settings = settings
        self.sides = sides
        watermarks = Watermarks(inputs: sides.count, settings: settings, now: now)
        stats = JoinStats(inputs: sides.count)
    }

    /// Rows in state.
    public var count: Int { expiries.count }

    /// Joins a row from `input` with the stored rows of the other side and
    /// stores it, or refuses it as late. `hold` is called only for a row that
    /// is stored; events go to `events`.
    @discardableResult
    public mutating func insert(_ row: Row, input: Int, key: JoinKey, time: Int64, bytes: Int = 0, now: Int64,
                                hold: () -> Handle, into events: inout [JoinEvent<Row, Handle>]) -> Admission
    {
        watermarks.observe(input: input, time: time, now: now)
        let horizon = watermarks.horizon
        guard time >= horizon else {
            stats.inputs[input].late += 1
            return .late(horizon: horizon)
        }
        let side = sides[input]
        let entry = JoinRow(row: row, time: time, input: input, hold: hold())
        let slot = freeSlots.popLast() ?? rows.count
        let keyEntry = index.entry(for: key, default: KeyRows())
        let (previous, partner) = Self.append(slot, side, to: &index[keyEntry])
        if previous >= 0 { links[previous].next = slot }
        var matched = false
        var candidate = partner
        while candidate >= 0 {
            let partnerTime = links[candidate].time
            let inside = side == .left
                ? settings.matches(left: time, right: partnerTime)
                : settings.matches(left: partnerTime, right: time)
            if inside {
                matched = true
                links[candidate].matched = true
                let partner = rows[candidate]!
                events.append(side == .left ? .pair(left: entry, right: partner) : .pair(left: partner, right: entry))
                stats.pairs += 1
            }
            candidate = links[candidate].next
        }
        let link = Link(time: time, side: side, matched: matched, previous: previous, next: -1, bytes: bytes,
                        entry: keyEntry, inherited: -1)
        if slot == rows.count {
            links.append(link)
            rows.append(entry)
        } else {
            links[slot] = link
            rows[slot] = entry
        }
        expiries.insert(.init(expiry: settings.lastPartnerTime(side, time), sequence: sequence, slot: slot), lane: side.rawValue)
        sequence += 1
        stats.inputs[input].rows += 1
        stats.inputs[input].bytes += bytes
        if expiries.count > settings.maxRows {
            overflow(into: &events)
        }
        return .stored
    }

    /// Adds `slot` at the end of its side's rows of a key; returns the row
    /// before it (or -1) and the first row of the other side (or -1).
    private static func append(_ slot: Int, _ side: Side, to rows: inout KeyRows) -> (previous: Int, partner: Int) {
        (rows.append(slot, side), rows.first(side.other))
    }

    /// Each stored row, to be changed in place (its payload moved elsewhere).
    public mutating func updateRows(_ body: (inout Row) -> Void) {
        for slot in rows.indices where rows[slot] != nil {
            let old = rows[slot]!
            var row = old.row
            body(&row)
            rows[slot] = JoinRow(row: row, time: old.time, input: old.input, hold: old.hold)
        }
    }

    /// Re-evaluates idle inputs at processing time `now` and evicts every
    /// row the horizon has passed.
    public mutating func advance(now: Int64, into events: inout [JoinEvent<Row, Handle>]) {
        watermarks.refresh(now: now)
        evictExpired(into: &events)
    }

    /// The end of the input: every stored row leaves state, and every
    /// unmatched row of a preserved side comes out. Rows inserted afterwards are late.
    public mutating func drain(into events: inout [JoinEvent<Row, Handle>]) {
        watermarks.finish()
        evictExpired(into: &events)
    }

    /// The rows' split moved to another host, which replays them: every
    /// stored row leaves state and its hold is released, with no outer row
    /// (a partner may still come, there).
    public mutating func abandon(into events: inout [JoinEvent<Row, Handle>]) {
        while !expiries.isEmpty {
            evict(expiries.removeFirst().slot, emitUnmatched: false, into: &events)
        }
    }

    /// Past `maxRows`: the horizon moves just past the first expiry, so the
    /// rows that a late partner would have needed are gone and that partner
    /// is refused as late, never joined with a partial window.
    private mutating func overflow(into events: inout [JoinEvent<Row, Handle>]) {
        while expiries.count > settings.maxRows, let first = expiries.first {
            watermarks.raise(to: first.expiry.saturatingAdd(1))
            let before = expiries.count
            evictExpired(into: &events)
            stats.overflowEvictions += before - expiries.count
        }
    }

    private mutating func evictExpired(into events: inout [JoinEvent<Row, Handle>]) {
        let horizon = watermarks.horizon
        // At drain the horizon is .max, which must also take rows whose expiry saturated to .max.
        while let first = expiries.popFirst(if: { $0.expiry < horizon || horizon == .max }) {
            evict(first.slot, into: &events)
        }
    }

    private mutating func evict(_ slot: Int, emitUnmatched: Bool = true, into events: inout [JoinEvent<Row, Handle>]) {
        let entry = rows[slot].take()!
        let link = links[slot]
        freeSlots.append(slot)
        let side = link.side
        let position = link.entry
        if link.previous >= 0 { links[link.previous].next = link.next } else { index[position].setFirst(side, link.next) }
        if link.next >= 0 { links[link.next].previous = link.previous } else { index[position].setLast(side, link.previous) }
        let partners = index[position].first(side.other)
        if index[position].isEmpty { index.remove(entry: position) }
        stats.inputs[entry.input].rows -= 1
        stats.inputs[entry.input].bytes -= link.bytes
        if emitUnmatched, !link.matched, settings.type.preserves(side) {
            events.append(.unmatched(side, entry))
            stats.unmatched += 1
        }
        if link.matched, let heir = longestStayingPartner(of: link, from: partners) {
            links[heir].inherited = bequeath(entry.hold, link.inherited, to: links[heir].inherited)
        } else {
            events.append(.release(entry.hold))
            var node = link.inherited
            while node >= 0 {
                events.append(.release(heirlooms[node].hold.take()!))
                freeHeirlooms.append(node)
                node = heirlooms[node].next
            }
        }
    }

    /// Puts `hold` and the holds of list `inherited` at the head of list
    /// `heirs`, reusing the list's nodes; returns the new head.
    private mutating func bequeath(_ hold: Handle, _ inherited: Int, to heirs: Int) -> Int {
        var head = heirs
        var node = inherited
        while node >= 0 {
            let next = heirlooms[node].next
            heirlooms[node].next = head
            head = node
            node = next
        }
        let own = Heirloom(hold: hold, next: head)
        if let reused = freeHeirlooms.popLast() {
            heirlooms[reused] = own
            return reused
        }
        heirlooms.append(own)
        return heirlooms.count - 1
    }

    /// Among the stored rows from `first` on (the other side's rows of its
    /// key) that `row` matches, the one that leaves state last.
    private func longestStayingPartner(of row: Link, from first: Int) -> Int? {
        var best: (slot: Int, expiry: Int64)?
        var slot = first
        while slot >= 0 {
            let partner = links[slot]
            let inside = row.side == .left
                ? settings.matches(left: row.time, right: partner.time)
                : settings.matches(left: partner.time, right: row.time)
            if inside {
                let expiry = settings.lastPartnerTime(partner.side, partner.time)
                if best == nil || expiry > best!.expiry { best = (slot, expiry) }
            }
            slot = partner.next
        }
        return best?.slot
    }
}
