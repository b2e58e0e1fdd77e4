import HeapModule
import SluiceSDK

/// One of the two streams of a `Shop` (its orders or its payments) in
/// arrival order, as a value with no I/O.
///
/// Records are made order by order, then released in order of their event
/// time plus a jitter of up to `disorder_ms` (so a record arrives at most that
/// much event time behind the newest before it). A record can be released
/// once no record still to be made can arrive before it: later orders are
/// created later, and their payments come no earlier than `clock_skew_ms`
/// before them.
public struct ShopStream: Sendable {
    public enum Kind: Sendable { case orders, payments }

    public enum Item: Sendable, Hashable {
        /// Order number `n`.
        case order(Int64)
        case payment(Shop.Payment)
    }

    public struct Record: Sendable, Equatable {
        public let time: Int64
        public let item: Item
    }

    /// Ordered by arrival, ties by when it was made, so the stream is reproducible.
    private struct Pending: Comparable {
        let arrival: Int64
        let sequence: UInt64
        let record: Record

        static func < (a: Pending, b: Pending) -> Bool {
            a.arrival < b.arrival || (a.arrival == b.arrival && a.sequence < b.sequence)
        }

        static func == (a: Pending, b: Pending) -> Bool { a.sequence == b.sequence }
    }

    public let kind: Kind
    public let shop: Shop
    let seed: UInt64
    let start: Int64
    let interval: Int64
    /// Draws duplicates and jitter: the stream's own, so the shop's plan does not depend on them.
    private var random: SeededRandom
    private var nextOrder: Int64 = 0
    private var pending = Heap<Pending>()
    private var sequence: UInt64 = 0

    /// - Parameter interval: ms of event time between orders; must be positive, or no record could ever be released.
    public init(_ kind: Kind, shop: Shop, seed: UInt64, start: Int64, interval: Int64) {
        precondition(interval > 0, "ShopStream needs a positive interval")
        self.kind = kind
        self.shop = shop
        self.seed = seed
        self.start = start
        self.interval = interval
        random = SeededRandom(seed: seed ^ (kind == .orders ? 0x6F72_6465_7273 : 0x7061_796D_656E_7473))
    }

    public mutating func next() -> Record {
        while true {
            // Nothing made from order `nextOrder` on can arrive before this.
            let bound = start + nextOrder * interval - (kind == .payments ? shop.earliestPayment : 0)
            if let first = pending.min, first.arrival <= bound { return pending.removeMin().record }
            make(order: nextOrder)
            nextOrder += 1
        }
    }

    private mutating func make(order n: Int64) {
        let created = start + n * interval
        switch kind {
        case .orders:
            enqueue(Record(time: created, item: .order(n)))
        case .payments:
            for p in shop.payments(order: n, created: created, seed: seed) { enqueue(Record(time: p.time, item: .payment(p))) }
        }
    }

    private mutating func enqueue(_ record: Record) {
        let copies = random.unit() < shop.duplicateRatio ? 2 : 1
        for _ in 0 ..< copies {
            let jitter = shop.disorder > 0 ? random.int(0 ... shop.disorder) : 0
            pending.insert(Pending(arrival: record.time + jitter, sequence: sequence, record: record))
            sequence += 1
        }
    }
}
