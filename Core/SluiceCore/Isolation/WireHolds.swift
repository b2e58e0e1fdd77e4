/// The records an isolated processor's child holds (`host->hold` taken in
/// the child), as the host keeps them: each held record with the host's
/// pin on its delivery, a copy of the record, and the child's holds on it.
///
/// The host pins a record when the child reports a hold on it, and unpins
/// it when the child has ended every hold on it; until then its source is
/// not acknowledged, as for a hold taken in the host. The copy is what
/// makes a crash survivable: when the child dies, its state and its hold
/// handles are gone, but every record it held is still here, pinned. They
/// are sent again (`replay`), in the order they were first held, to the
/// new child, which rebuilds its state from them as a new instance does
/// from a source's replay after a host crash; records it does not hold
/// again are unpinned once what it made from them is on its way.
///
/// A value type with no I/O, generic over the record copy and the pin so
/// it is tested alone; used by its processor's stage thread.
struct WireHolds<Record, Pin> {
    private struct Held {
        let pin: Pin
        let port: Int
        let split: UInt32
        let record: Record
        /// The running child's live holds on it (a plugin may hold one record twice).
        var holds = 0
    }

    /// Held records by the order they were first held.
    private var records: [Int: Held] = [:]
    private var next = 0
    /// The running child's hold handles → the record each holds.
    private var byHold: [UInt64: Int] = [:]
    /// The child died holding records: they must be replayed before the
    /// next call reaches a new child.
    private(set) var needsReplay = false

    /// Records pinned (held by the child, or waiting for a replay).
    var count: Int { records.count }

    /// A record the child held for the first time in a call: `pin` is the
    /// host's pin on it, taken by the caller. Returns its id for `hold`.
    mutating func add(pin: Pin, port: Int, split: UInt32, record: Record) -> Int {
        defer { next += 1 }
        records[next] = Held(pin: pin, port: port, split: split, record: record)
        return next
    }

    /// The child took hold `handle` on record `id`; false if the record is
    /// not held here (or the handle is already live: a child that reused a
    /// live handle is refused).
    mutating func hold(_ handle: UInt64, record id: Int) -> Bool {
        guard records[id] != nil, byHold[handle] == nil else { return false }
        records[id]!.holds += 1
        byHold[handle] = id
        return true
    }

    /// The host's pin behind the child's live hold `handle`, for attaching it to an output.
    func pin(of handle: UInt64) -> Pin? {
        byHold[handle].flatMap { records[$0]?.pin }
    }

    /// The child ended hold `handle`. Returns the pin to end when that was
    /// the record's last hold; nil when it still has others, or when
    /// `handle` is not live (`known` false).
    mutating func release(_ handle: UInt64) -> (pin: Pin?, known: Bool) {
        guard let id = byHold.removeValue(forKey: handle) else { return (nil, false) }
        records[id]!.holds -= 1
        guard records[id]!.holds == 0 else { return (nil, true) }
        return (records.removeValue(forKey: id)!.pin, true)
    }

    /// The child died: its handles mean nothing now; every record it held
    /// stays pinned until a new child has been given it again.
    mutating func childDied() {
        byHold.removeAll()
        for id in records.keys { records[id]!.holds = 0 }
        needsReplay = !records.isEmpty
    }

    /// What to send a new child: the held records in the order they were
    /// first held, in runs of one input port, each with their ids.
    func replay() -> [(port: Int, ids: [Int], records: [Record])] {
        var runs: [(port: Int, ids: [Int], records: [Record])] = []
        for id in records.keys.sorted() {
            let held = records[id]!
            if let last = runs.last, last.port == held.port {
                runs[runs.count - 1].ids.append(id)
                runs[runs.count - 1].records.append(held.record)
            } else {
                runs.append((held.port, [id], [held.record]))
            }
        }
        return runs
    }

    /// Every pin of the records being replayed, to attach to what the new
    /// child makes from them.
    var pins: [Pin] { records.keys.sorted().map { records[$0]!.pin } }

    /// The new child has been given every held record: those it did not
    /// hold again leave; returns their pins to end (after attaching them
    /// to what it emitted).
    mutating func replayed() -> [Pin] {
        needsReplay = false
        let dropped = records.filter { $0.value.holds == 0 }
        for id in dropped.keys { records[id] = nil }
        return dropped.keys.sorted().map { dropped[$0]!.pin }
    }

    /// Splits of input `port` were revoked while no child holds the
    /// records (a replay is pending): their records leave without being
    /// replayed, as a plugin drops revoked splits' state. Returns their pins.
    mutating func revoke(_ splits: [UInt32], port: Int) -> [Pin] {
        guard needsReplay else { return [] }
        let revoked = Set(splits)
        let dropped = records.filter { $0.value.port == port && revoked.contains($0.value.split) }
        for id in dropped.keys { records[id] = nil }
        needsReplay = !records.isEmpty
        return dropped.keys.sorted().map { dropped[$0]!.pin }
    }
}
