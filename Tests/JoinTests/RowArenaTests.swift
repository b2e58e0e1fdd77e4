@testable import JoinPlugin
import XCTest

/// The stored rows' bytes: rows keep their bytes across compactions, which
/// happen only when rows gone take most of the buffer.
final class RowArenaTests: XCTestCase {
    private func row(_ n: Int, size: Int) -> [UInt8] { (0 ..< size).map { UInt8(truncatingIfNeeded: n &+ $0) } }

    func testRowsKeepTheirBytesWhenTheArenaCompactsAndTheBufferStaysWithinTwiceTheLiveRows() {
        var arena = RowArena()
        var live: [Int: (offset: Int, count: Int)] = [:]
        let size = 1000
        var compactions = 0
        for n in 0 ..< 5000 {
            let bytes = row(n, size: size)
            live[n] = (bytes.withUnsafeBytes { arena.append($0) }, size)
            live[n - 100] = nil
            if arena.isDueForCompaction {
                let before = arena.bytes.count
                arena.compact(live: live.count * size) { move in
                    for key in live.keys { live[key]!.offset = move(live[key]!.offset, live[key]!.count) }
                }
                if arena.bytes.count < before { compactions += 1 }
            }
        }
        XCTAssertGreaterThan(compactions, 1, "5 MB appended, 100 kB live")
        XCTAssertLessThanOrEqual(arena.bytes.count, max(2 * live.count * size, RowArena.minimumCompaction) + size)
        for (n, r) in live {
            arena.withRow(offset: r.offset, count: r.count) { XCTAssertEqual(Array($0), row(n, size: size), "row \(n)") }
        }
    }

    func testALateRowIsTakenBackWhole() {
        var arena = RowArena()
        let first = [UInt8](repeating: 1, count: 10)
        _ = first.withUnsafeBytes { arena.append($0) }
        let offset = [UInt8](repeating: 2, count: 5).withUnsafeBytes { arena.append($0) }
        arena.truncate(to: offset)
        XCTAssertEqual(arena.bytes, first)
    }
}
