/// One `IntervalJoin` per source split (ABI 1.3: a Kafka partition), so the
/// join's state follows the partition between hosts. A split's horizon
/// comes from its own streams' watermarks: partitions read at different
/// paces do not make each other's rows late, and a partition taken over
/// from another host starts its window afresh from the replay. A revoked
/// split's state is dropped without output.
///
/// Records without a split share one join, as when every input is a single
/// stream. Inputs read per split must be co-partitioned (same partition
/// count, same key partitioner), or a key's two sides land in different splits.
public struct SplitJoins<Row, Handle> {
    public let settings: JoinSettings
    /// The side of each stream.
    public let sides: [Side]
    /// The joins, in an array so each is changed in place: a dictionary's
    /// value changed while its keys are iterated is copied whole, every
    /// array of its state with it, once per batch.
    private var joins: [IntervalJoin<Row, Handle>] = []
    /// The split of each join in `joins`, and where each split's join is.
    private var splits: [UInt32] = []
    private var positions: [UInt32: Int] = [:]
    /// The split of the last insert and its position: records mostly come
    /// in runs of one split, which then cost no hash.
    private var last: (split: UInt32, position: Int)?
    /// Totals of joins dropped by a revocation, so counters never run backwards.
    private var retired: JoinStats

    public init(settings: JoinSettings, sides: [Side]) {
        self.settings = settings
        self.sides = sides
        retired = JoinStats(inputs: sides.count)
    }

    @discardableResult
    public mutating func insert(_ row: Row, split: UInt32, stream: Int, key: JoinKey, time: Int64, bytes: Int, now: Int64,
                                hold: () -> Handle, into events: inout [JoinEvent<Row, Handle>]) -> IntervalJoin<Row, Handle>.Admission
    {
        let position: Int
        if let last, last.split == split {
            position = last.position
        } else if let known = positions[split] {
            position = known
        } else {
            position = joins.count
            joins.append(IntervalJoin(settings: settings, sides: sides, now: now))
            splits.append(split)
            positions[split] = position
        }
        last = (split, position)
        return joins[position].insert(row, input: stream, key: key, time: time, bytes: bytes, now: now, hold: hold, into: &events)
    }

    public mutating func advance(now: Int64, into events: inout [JoinEvent<Row, Handle>]) {
        for i in joins.indices { joins[i].advance(now: now, into: &events) }
    }

    public mutating func drain(into events: inout [JoinEvent<Row, Handle>]) {
        for i in joins.indices.sorted(by: { splits[$0] < splits[$1] }) { joins[i].drain(into: &events) }
    }

    /// The splits moved to another host: their rows leave state, holds released, nothing emitted.
    public mutating func revoke(_ revoked: [UInt32], into events: inout [JoinEvent<Row, Handle>]) {
        for split in revoked {
            guard let position = positions.removeValue(forKey: split) else { continue }
            joins[position].abandon(into: &events)
            retired.add(joins[position].stats)
            // The last join takes the revoked one's place.
            joins.swapAt(position, joins.count - 1)
            splits.swapAt(position, splits.count - 1)
            joins.removeLast()
            splits.removeLast()
            if position < joins.count { positions[splits[position]] = position }
        }
        last = nil
    }

    /// Each stored row of every split, to be changed in place (`IntervalJoin.updateRows`).
    public mutating func updateRows(_ body: (inout Row) -> Void) {
        for i in joins.indices { joins[i].updateRows(body) }
    }

    /// Document bytes in state, over every split.
    public var bytes: Int {
        joins.reduce(0) { total, join in join.stats.inputs.reduce(total) { $0 + $1.bytes } }
    }

    /// Rows in state, over every split.
    public var count: Int { joins.reduce(0) { $0 + $1.count } }

    /// Every split's counts added up.
    public var stats: JoinStats {
        joins.reduce(into: retired) { $0.add($1.stats) }
    }

    /// Per stream, the lowest watermark among the splits that have one.
    public var watermarks: [Int64?] {
        (0 ..< sides.count).map { stream in joins.compactMap { $0.watermarks.watermark(of: stream) }.min() }
    }
}
