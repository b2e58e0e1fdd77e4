@testable import JoinPlugin
import SluiceSDK
import XCTest

final class ExpiryQueueTests: XCTestCase {
    /// Mostly ordered lanes with stragglers and ties, interleaved with
    /// removals: every removal gives the least (expiry, sequence) held, as a
    /// linear scan of what was inserted and not yet removed finds it.
    func testRemovesTheLeastHeldEntry() {
        var random = SeededRandom(seed: 3)
        var queue = ExpiryQueue(lanes: 2)
        var held: [ExpiryQueue.Entry] = []
        var clock: [Int64] = [0, 0]
        var stragglers = 0
        func removeAndCheck() {
            let expected = held.indices.min { ExpiryQueue.precedes(held[$0], held[$1]) }!
            XCTAssertEqual(queue.removeFirst().slot, held[expected].slot)
            held.remove(at: expected)
        }
        for n in 0 ..< 4000 {
            let lane = Int(random.int(0 ... 1))
            clock[lane] += random.int(0 ... 2)
            let late = random.unit() < 0.1 ? random.int(1 ... 50) : 0
            if late > 0 { stragglers += 1 }
            let entry = ExpiryQueue.Entry(expiry: clock[lane] - late, sequence: UInt64(n), slot: n)
            queue.insert(entry, lane: lane)
            held.append(entry)
            if random.unit() < 0.5 { removeAndCheck() }
            XCTAssertEqual(queue.count, held.count)
        }
        while !held.isEmpty { removeAndCheck() }
        XCTAssertTrue(queue.isEmpty)
        XCTAssertGreaterThan(stragglers, 300)
    }

    /// `popFirst(if:)` takes entries in order while they pass, and leaves the queue as it was at the first that does not.
    func testPopFirstStopsAtTheFirstEntryRefused() {
        var queue = ExpiryQueue(lanes: 2)
        for n in 0 ..< 20 { queue.insert(.init(expiry: Int64(n), sequence: UInt64(n), slot: n), lane: n % 2) }
        // A straggler behind its lane's last entry, due among the first.
        queue.insert(.init(expiry: 3, sequence: 20, slot: 20), lane: 0)
        var taken: [Int] = []
        while let e = queue.popFirst(if: { $0.expiry < 10 }) { taken.append(e.slot) }
        XCTAssertEqual(taken, [0, 1, 2, 3, 20, 4, 5, 6, 7, 8, 9])
        XCTAssertEqual(queue.count, 10)
        XCTAssertEqual(queue.first?.slot, 10)
        XCTAssertNil(queue.popFirst { _ in false })
        XCTAssertEqual(queue.count, 10)
    }
}
