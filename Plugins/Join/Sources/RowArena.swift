/// The documents of the rows in the join's state, back to back in one
/// buffer: storing a row copies its bytes once, with no allocation and no
/// reference to count per row, where an array per row cost both. A row is
/// its offset and length here.
///
/// Rows leave in about the order they came, so the space of rows gone is
/// reclaimed by compaction: once the buffer has grown past twice its size at
/// the last compaction, the rows still stored are copied to a new one if
/// they fill less than half of it. Each byte is copied a bounded number of
/// times on average, and the buffer stays within about twice the state.
struct RowArena {
    private(set) var bytes: [UInt8] = []
    /// The size at which to look for space to reclaim.
    private var nextCompaction = RowArena.minimumCompaction
    static let minimumCompaction = 1 << 20

    init() {
        bytes.reserveCapacity(Self.room(nextCompaction))
    }

    /// The capacity kept up to the next compaction, so that growing to it
    /// copies nothing (a doubling copied all stored rows): a quarter more,
    /// as compaction is looked for between records and a batch may pass it.
    private static func room(_ nextCompaction: Int) -> Int { nextCompaction + nextCompaction / 4 }

    /// Stores `document`; returns where it starts.
    mutating func append(_ document: UnsafeRawBufferPointer) -> Int {
        let offset = bytes.count
        bytes.append(contentsOf: document)
        return offset
    }

    /// Drops what was appended from `offset` on (a row refused as late).
    mutating func truncate(to offset: Int) {
        bytes.removeSubrange(offset...)
    }

    func withRow<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset ..< offset + count])) }
    }

    var isDueForCompaction: Bool { bytes.count >= nextCompaction }

    /// Copies the stored rows to a new buffer when they fill less than half
    /// of this one. `live` is their total size; `relocate` calls its argument
    /// once per stored row with its offset and length, and stores the new offset.
    mutating func compact(live: Int, relocate: ((_ offset: Int, _ count: Int) -> Int) -> Void) {
        if live * 2 < bytes.count {
            var fresh: [UInt8] = []
            fresh.reserveCapacity(Self.room(max(live * 2, Self.minimumCompaction)))
            bytes.withUnsafeBytes { old in
                relocate { offset, count in
                    let moved = fresh.count
                    fresh.append(contentsOf: UnsafeRawBufferPointer(rebasing: old[offset ..< offset + count]))
                    return moved
                }
            }
            bytes = fresh
        }
        nextCompaction = max(bytes.count * 2, Self.minimumCompaction)
        bytes.reserveCapacity(Self.room(nextCompaction))
    }
}
