/// Which worker of a component (`workers: N`) a batch or record goes to.
///
/// Round-robin hands out whole batches in turn. By key, a record read from
/// a source split goes to worker `split % N`, so a Kafka partition, and
/// whatever a processor keeps for it (a join's window, a forecaster's
/// per-partition models and their snapshot file), lives on one worker; a
/// record without a split goes by an FNV-1a hash of its key, and records
/// with neither all go to worker 0. Either way every record of a split or
/// key reaches one worker in the order it was sent, which is what keeps
/// per-key order.
struct WorkerSpread {
    /// Where the records of one batch go.
    enum Assignment: Equatable {
        /// All to this worker: the batch is passed on whole.
        case whole(Int)
        /// Per worker, the indices of its records in batch order (empty for a worker that gets none).
        case parted([[Int]])
    }

    let mode: Spread
    let workers: Int
    /// Round-robin: the worker the next batch is offered to first.
    private(set) var next = 0

    init(mode: Spread, workers: Int) {
        precondition(workers >= 1, "a component has at least one worker")
        self.mode = mode
        self.workers = workers
    }

    /// Round-robin: the order in which to offer the next batch to the
    /// workers (the first with room takes it), and the turn moves on by one.
    mutating func nextTurn() -> [Int] {
        let first = next
        next = (next + 1) % workers
        return (0 ..< workers).map { (first + $0) % workers }
    }

    /// By key: the worker of a record with this split (`RecordBuffer.noSplit` for none) and key.
    static func worker(split: UInt32, key: UnsafeRawBufferPointer?, workers: Int) -> Int {
        guard workers > 1 else { return 0 }
        if split != RecordBuffer.noSplit { return Int(split % UInt32(workers)) }
        guard let key, !key.isEmpty else { return 0 }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return Int(hash % UInt64(workers))
    }

    /// By key: which worker each record of `records` goes to.
    func assign(_ records: RecordBuffer) -> Assignment {
        guard workers > 1, records.count > 0 else { return .whole(0) }
        var parts = Array(repeating: [Int](), count: workers)
        for i in 0 ..< records.count {
            let worker = records.withRecord(i) { _, key in Self.worker(split: records.split(at: i), key: key, workers: workers) }
            parts[worker].append(i)
        }
        if let only = parts.firstIndex(where: { $0.count == records.count }) { return .whole(only) }
        return .parted(parts)
    }
}
