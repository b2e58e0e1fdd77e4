/// A binary min-heap of stored rows by the time they expire, so eviction
/// looks only at rows that are due. Ties go to the earlier insertion, which
/// keeps the order of outer rows reproducible.
struct ExpiryQueue {
    struct Entry {
        let expiry: Int64
        let sequence: UInt64
        let slot: Int
    }

    private var heap: [Entry] = []

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
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

    @inline(__always)
    private func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.expiry < b.expiry || (a.expiry == b.expiry && a.sequence < b.sequence)
    }
}
