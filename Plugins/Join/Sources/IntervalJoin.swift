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
/// read and write for every row (time, neighbours, matched), plain values
/// copied without reference counting; `stored` holds the payload, touched
/// only when a row is paired or leaves.
public struct IntervalJoin<Row, Handle> {
    struct Link {
        let time: Int64
        let side: Side
        var matched: Bool
        /// Neighbours among the rows of the same side and key, in arrival order (-1: none).
        var previous: Int
        var next: Int
    }

    struct Stored {
        let entry: JoinRow<Row, Handle>
        let bytes: Int
        /// Holds of matched partners that left before this row, released with its own.
        var inherited: [Handle] = []
    }

    /// The rows of one side and key: a list threaded through `slots`, so a
    /// key costs one dictionary entry and no array of its own.
    struct KeyRows {
        var first: Int
        var last: Int
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

    /// Per slot, parallel: `links[i]` is meaningful while `slots[i]` is not nil.
    private var links: [Link] = []
    private var slots: [Stored?] = []
    private var freeSlots: [Int] = []
    private var index: [[JoinKey: KeyRows]] = [[:], [:]]
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
        let entry = JoinRow(row: row, time: time, key: key, input: input, hold: hold())
        var matched = false
        if let partners = index[side.other.rawValue][key] {
            var slot = partners.first
            while slot >= 0 {
                let partnerTime = links[slot].time
                let inside = side == .left
                    ? settings.matches(left: time, right: partnerTime)
                    : settings.matches(left: partnerTime, right: time)
                if inside {
                    matched = true
                    links[slot].matched = true
                    let partner = slots[slot]!.entry
                    events.append(side == .left ? .pair(left: entry, right: partner) : .pair(left: partner, right: entry))
                    stats.pairs += 1
                }
                slot = links[slot].next
            }
        }
        let slot = freeSlots.popLast() ?? slots.count
        let previous = Self.append(slot, to: &index[side.rawValue][key, default: KeyRows(first: -1, last: -1)])
        if previous >= 0 { links[previous].next = slot }
        let link = Link(time: time, side: side, matched: matched, previous: previous, next: -1)
        let stored = Stored(entry: entry, bytes: bytes)
        if slot == slots.count {
            links.append(link)
            slots.append(stored)
        } else {
            links[slot] = link
            slots[slot] = stored
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

    /// Adds `slot` at the end of a key's rows (one hash lookup for the caller); returns the row before it, or -1.
    private static func append(_ slot: Int, to rows: inout KeyRows) -> Int {
        let previous = rows.last
        if rows.first < 0 { rows.first = slot }
        rows.last = slot
        return previous
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
        while let first = expiries.first, first.expiry < horizon || horizon == .max {
            evict(expiries.removeFirst().slot, into: &events)
        }
    }

    private mutating func evict(_ slot: Int, emitUnmatched: Bool = true, into events: inout [JoinEvent<Row, Handle>]) {
        let stored = slots[slot].take()!
        let link = links[slot]
        freeSlots.append(slot)
        let side = link.side.rawValue
        let key = stored.entry.key
        if link.previous < 0, link.next < 0 {
            index[side].removeValue(forKey: key)
        } else {
            if link.previous >= 0 { links[link.previous].next = link.next } else { index[side][key]!.first = link.next }
            if link.next >= 0 { links[link.next].previous = link.previous } else { index[side][key]!.last = link.previous }
        }
        stats.inputs[stored.entry.input].rows -= 1
        stats.inputs[stored.entry.input].bytes -= stored.bytes
        if emitUnmatched, !link.matched, settings.type.preserves(link.side) {
            events.append(.unmatched(link.side, stored.entry))
            stats.unmatched += 1
        }
        if link.matched, let heir = longestStayingPartner(of: link, key: key) {
            slots[heir]!.inherited.append(stored.entry.hold)
            slots[heir]!.inherited += stored.inherited
        } else {
            events.append(.release(stored.entry.hold))
            for hold in stored.inherited { events.append(.release(hold)) }
        }
    }

    /// Among the stored rows `row` (with `key`) matches, the one that leaves state last.
    private func longestStayingPartner(of row: Link, key: JoinKey) -> Int? {
        guard let partners = index[row.side.other.rawValue][key] else { return nil }
        var best: (slot: Int, expiry: Int64)?
        var slot = partners.first
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
