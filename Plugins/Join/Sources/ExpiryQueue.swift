/// Stored rows by the time they expire, so eviction looks only at rows that
/// are due. Ties go to the earlier insertion, which keeps the order of outer
/// rows reproducible.
///
/// Rows mostly arrive in event-time order, so each lane (a side of the join)
/// keeps a FIFO of entries that arrived in expiry order, and only the
/// stragglers go to a binary heap: the common insert and removal are O(1).
struct ExpiryQueue {
    struct Entry {
        let expiry: Int64
        let sequence: UInt64
        let slot: Int
    }

    /// Entries in expiry order, consumed from `head`.
    private struct Lane {
        var entries: [Entry] = []
        var head = 0

        var first: Entry? { head < entries.count ? entries[head] : nil }

        mutating func removeFirst() {
            head += 1
            // Reclaim the consumed prefix once it is most of the buffer: amortised O(1).
            if head >= 1024, head * 2 >= entries.count {
                entries.removeFirst(head)
                head = 0
            }
        }
    }

    private var lanes: [Lane]
    private var stragglers = Heap()
    private(set) var count = 0

    init(lanes: Int) {
        self.lanes = Array(repeating: Lane(), count: lanes)
    }

    var isEmpty: Bool { count == 0 }

    var first: Entry? { firstPlace()?.entry }

    /// The first entry and where it is: a lane, or the stragglers' heap (-1).
    @inline(__always)
    private func firstPlace() -> (entry: Entry, lane: Int)? {
        var best = stragglers.first.map { (entry: $0, lane: -1) }
        // By index: `for lane in lanes` copied each lane, retaining its array.
        for i in lanes.indices {
            if let e = lanes[i].first, best.map({ Self.precedes(e, $0.entry) }) ?? true { best = (e, i) }
        }
        return best
    }

    mutating func insert(_ entry: Entry, lane: Int) {
        count += 1
        if let last = lanes[lane].entries.last, lanes[lane].head < lanes[lane].entries.count, entry.expiry < last.expiry {
            stragglers.insert(entry)
        } else {
            lanes[lane].entries.append(entry)
        }
    }

    mutating func removeFirst() -> Entry {
        popFirst { _ in true }!
    }

    /// Removes and returns the first entry if `take` accepts it: one search
    /// for it, where `first` and then `removeFirst` searched twice per eviction.
    @inline(__always)
    mutating func popFirst(if take: (Entry) -> Bool) -> Entry? {
        guard let (entry, lane) = firstPlace(), take(entry) else { return nil }
        count -= 1
        if lane >= 0 { lanes[lane].removeFirst() } else { _ = stragglers.removeFirst() }
        return entry
    }

    @inline(__always)
    static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.expiry < b.expiry || (a.expiry == b.expiry && a.sequence < b.sequence)
    }

    /// A binary min-heap for the entries that arrived out of expiry order.
    private struct Heap {
        private var heap: [Entry] = []

        var first: Entry? { heap.first }

        mutating func insert(_ entry: Entry) {
            heap.append(entry)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard precedes(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }

        mutating func removeFirst() -> Entry {
            let top = heap[0]
            let last = heap.removeLast()
            guard !heap.isEmpty else { return top }
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, precedes(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count, precedes(heap[right], heap[smallest]) { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
            return top
        }
    }
}
