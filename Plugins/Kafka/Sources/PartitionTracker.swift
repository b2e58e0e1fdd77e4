/// Which offsets of one partition may be committed.
///
/// Offsets are emitted in order; acks may come out of order (batches finish
/// at different sinks). The committable position is one past the longest
/// prefix of emitted offsets that are all acked, so a crash replays, never skips.
struct PartitionTracker {
    let topic: String
    let partition: Int32
    private var emitted: [Int64] = []
    private var head = 0
    private var acked: Set<Int64> = []
    /// The next offset to commit (Kafka commits "the next offset to read").
    private(set) var committable: Int64?
    /// Whether committable moved since the last commit.
    var dirty = false

    init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    mutating func emitted(_ offset: Int64) {
        emitted.append(offset)
    }

    mutating func acked(_ offset: Int64) {
        acked.insert(offset)
        while head < emitted.count, acked.remove(emitted[head]) != nil {
            committable = emitted[head] + 1
            dirty = true
            head += 1
        }
        if head > 1024, head * 2 > emitted.count {
            emitted.removeFirst(head)
            head = 0
        }
    }

    /// Emitted but not acked yet.
    var inFlight: Int { emitted.count - head }
}

/// A delivery token: a partition slot (16 bits) and an offset (48 bits).
enum KafkaToken {
    static func make(slot: Int, offset: Int64) -> UInt64 { UInt64(slot) << 48 | UInt64(offset) & 0xFFFF_FFFF_FFFF }
    static func slot(_ token: UInt64) -> Int { Int(token >> 48) }
    static func offset(_ token: UInt64) -> Int64 { Int64(token & 0xFFFF_FFFF_FFFF) }
}
