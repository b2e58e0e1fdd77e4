import JoinPlugin
import SluiceSDK
import XCTest

/// The join against a brute-force reference over the whole data: every pair
/// with equal keys inside the interval, then each unmatched row of a
/// preserved side. The output multisets must be equal exactly.
final class OracleTests: XCTestCase {
    /// Orders and payments in the seed's shape: payments trail (or, with
    /// clock skew, precede) their order by up to the interval and a little
    /// past it, some land exactly on either bound, some orders have several
    /// payments or none, some payments have no order, some lines repeat.
    static func makeRows(seed: UInt64, orders: Int, settings: JoinSettings) -> [TestRow] {
        var random = SeededRandom(seed: seed)
        var rows: [TestRow] = []
        func add(_ side: Side, _ key: Int64, _ time: Int64) {
            rows.append(TestRow(id: rows.count, side: side, key: key, time: time))
        }
        let keys = Int64(orders / 3)
        for n in 0 ..< orders {
            let time = Int64(n) * 7 + random.int(0 ... 6)
            let key = random.int(0 ... keys)
            add(.left, key, time)
            if random.unit() < 0.05 { add(.left, key, time) }
            for _ in 0 ..< random.int(0 ... 2) {
                let low = -settings.lower, high = settings.upper
                let paid: Int64
                switch random.int(0 ... 9) {
                case 0: paid = time + low
                case 1: paid = time + high
                case 2: paid = time + low - 1
                case 3: paid = time + high + 1
                default: paid = time + random.int(low - 5 ... high + 5)
                }
                add(.right, key, paid)
                if random.unit() < 0.05 { add(.right, key, paid) }
            }
            if random.unit() < 0.1 { add(.right, keys + 1 + random.int(0 ... 50), time + random.int(0 ... 30)) }
        }
        return rows
    }

    /// Arrival order: each row shows up at its event time plus up to
    /// `disorder`, the right stream shifted by `skew` against the left.
    static func arrivalOrder(_ rows: [TestRow], disorder: Int64, skew: Int64, seed: UInt64) -> [TestRow] {
        var random = SeededRandom(seed: seed ^ 0x9E37)
        let arrivals = rows.map { r in r.time + random.int(0 ... disorder) + (r.side == .right ? skew : 0) }
        return rows.indices.sorted { (arrivals[$0], $0) < (arrivals[$1], $1) }.map { rows[$0] }
    }

    static func oracle(_ rows: [TestRow], _ settings: JoinSettings) -> [Outcome: Int] {
        var result: [Outcome: Int] = [:]
        var matched = Set<Int>()
        let lefts = rows.filter { $0.side == .left }, rights = rows.filter { $0.side == .right }
        for l in lefts {
            for r in rights where r.key == l.key && r.time >= l.time - settings.lower && r.time <= l.time + settings.upper {
                result[.pair(l.id, r.id), default: 0] += 1
                matched.insert(l.id)
                matched.insert(r.id)
            }
        }
        for row in rows where !matched.contains(row.id) && settings.type.preserves(row.side) {
            result[.alone(row.side, row.id), default: 0] += 1
        }
        return result
    }

    private func check(_ settings: JoinSettings, disorder: Int64, skew: Int64, seed: UInt64, advanceEvery: Int,
                       line: UInt = #line)
    {
        let rows = Self.makeRows(seed: seed, orders: 600, settings: settings)
        let expected = Self.oracle(rows, settings)
        XCTAssertGreaterThan(expected.keys.filter { if case .pair = $0 { return true } else { return false } }.count, 100, line: line)
        var h = JoinHarness(settings, line: line)
        var evictedBeforeDrain = 0
        for (i, row) in Self.arrivalOrder(rows, disorder: disorder, skew: skew, seed: seed).enumerated() {
            XCTAssertEqual(h.send(row), .stored, "row \(row.id) is within the disorder bound", line: line)
            if i % advanceEvery == 0 { h.advance(now: 0) }
            evictedBeforeDrain = h.released.count
        }
        XCTAssertGreaterThan(evictedBeforeDrain, rows.count / 2, "the watermark evicts as it goes, not only at drain", line: line)
        XCTAssertLessThan(h.join.count, rows.count / 4, "state holds the window, not the stream", line: line)
        h.drain()
        let got = h.multiset
        XCTAssertEqual(got, expected, "\(settings.type): missing \(expected.filter { got[$0.key] != $0.value }.prefix(5)), extra \(got.filter { expected[$0.key] != $0.value }.prefix(5))", line: line)
        XCTAssertEqual(h.join.stats.pairs + h.join.stats.unmatched, h.outcomes.count, line: line)
    }

    func testEveryJoinTypeEqualsTheOracle() {
        for type in JoinType.allCases {
            for (seed, lower, upper) in [(1, 5, 20), (2, 0, 0), (3, -3, 10), (4, 40, 40)] as [(UInt64, Int64, Int64)] {
                let settings = JoinSettings(lower: lower, upper: upper, type: type, maxOutOfOrderness: 25)
                check(settings, disorder: 25, skew: 0, seed: seed, advanceEvery: 7)
                check(settings, disorder: 25, skew: 60, seed: seed, advanceEvery: 1)
                check(settings, disorder: 25, skew: -60, seed: seed, advanceEvery: 50)
            }
        }
    }

    /// Disorder beyond the out-of-orderness bound but within allowed lateness is still joined exactly.
    func testAllowedLatenessAbsorbsDisorder() {
        for type in JoinType.allCases {
            let settings = JoinSettings(lower: 5, upper: 20, type: type, maxOutOfOrderness: 10, allowedLateness: 15)
            check(settings, disorder: 25, skew: 30, seed: 9, advanceEvery: 3)
        }
    }

    /// Without lateness to absorb it, the same disorder makes rows late:
    /// the check above would fail, so it is not vacuous.
    func testTheSameDisorderWithoutLatenessIsLate() {
        let settings = JoinSettings(lower: 5, upper: 20, type: .full, maxOutOfOrderness: 10)
        let rows = Self.makeRows(seed: 9, orders: 600, settings: settings)
        var h = JoinHarness(settings)
        for row in Self.arrivalOrder(rows, disorder: 25, skew: 30, seed: 9) { h.send(row) }
        h.drain()
        XCTAssertGreaterThan(h.late.count, 0)
        XCTAssertEqual(h.join.stats.inputs.map(\.late).reduce(0, +), h.late.count)
    }
}
