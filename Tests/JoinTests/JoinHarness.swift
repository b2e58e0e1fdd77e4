import JoinPlugin
import XCTest

/// One input row in a test: `id` is also its hold, so the harness can check
/// what each output lists and that each hold is released exactly once.
struct TestRow {
    let id: Int
    let side: Side
    let key: Int64
    let time: Int64
}

/// What the join emitted, by row ids.
enum Outcome: Hashable, CustomStringConvertible {
    case pair(Int, Int)
    case alone(Side, Int)

    var description: String {
        switch self {
        case let .pair(l, r): return "pair(\(l), \(r))"
        case let .alone(s, id): return "\(s)(\(id))"
        }
    }
}

/// Drives an `IntervalJoin` with row ids as both rows and holds, and checks
/// the hold protocol on every event: an output lists only holds still in
/// state, and a hold is released once, after the outputs that listed it.
struct JoinHarness {
    var join: IntervalJoin<Int, Int>
    /// Outputs in emission order.
    private(set) var outcomes: [Outcome] = []
    private(set) var late: [Int] = []
    private(set) var holdsTaken: Set<Int> = []
    private(set) var released: [Int: Int] = [:]
    private var events: [JoinEvent<Int, Int>] = []
    let file: StaticString
    let line: UInt

    /// Left rows come on input 0, right rows on input 1.
    init(_ settings: JoinSettings, now: Int64 = 0, file: StaticString = #filePath, line: UInt = #line) {
        join = IntervalJoin(settings: settings, sides: [.left, .right], now: now)
        self.file = file
        self.line = line
    }

    var multiset: [Outcome: Int] { outcomes.reduce(into: [:]) { $0[$1, default: 0] += 1 } }

    @discardableResult
    mutating func send(_ row: TestRow, now: Int64 = 0) -> IntervalJoin<Int, Int>.Admission {
        var asked = false
        let admission = join.insert(row.id, input: row.side.rawValue, key: JoinKey(row.key), time: row.time, bytes: 10,
                                    now: now, hold: { asked = true; return row.id }, into: &events)
        switch admission {
        case .stored:
            XCTAssertTrue(asked, "a stored row's hold is taken", file: file, line: line)
            XCTAssertTrue(holdsTaken.insert(row.id).inserted, "row ids are unique", file: file, line: line)
        case .late:
            XCTAssertFalse(asked, "a late row's hold is never taken", file: file, line: line)
            late.append(row.id)
        }
        collect()
        return admission
    }

    @discardableResult
    mutating func send(_ id: Int, _ side: Side, key: Int64 = 1, time: Int64, now: Int64 = 0) -> IntervalJoin<Int, Int>.Admission {
        send(TestRow(id: id, side: side, key: key, time: time), now: now)
    }

    mutating func advance(now: Int64) {
        join.advance(now: now, into: &events)
        collect()
    }

    mutating func drain() {
        join.drain(into: &events)
        collect()
        XCTAssertEqual(join.count, 0, "drain empties state", file: file, line: line)
        checkAllReleased()
    }

    /// Every hold taken was released exactly once.
    func checkAllReleased() {
        XCTAssertEqual(Set(released.keys), holdsTaken, "every held row released", file: file, line: line)
        XCTAssertEqual(released.values.filter { $0 != 1 }.count, 0, "no hold released twice", file: file, line: line)
    }

    /// Empties `outcomes` (after a step whose outputs were checked).
    mutating func take() -> [Outcome] {
        defer { outcomes.removeAll() }
        return outcomes
    }

    private mutating func collect() {
        for event in events {
            switch event {
            case let .pair(left, right):
                XCTAssertEqual(join.sides[left.input], .left, file: file, line: line)
                XCTAssertEqual(join.sides[right.input], .right, file: file, line: line)
                checkHeld([left.hold, right.hold])
                XCTAssertEqual([left.row, right.row], [left.hold, right.hold], file: file, line: line)
                outcomes.append(.pair(left.row, right.row))
            case let .unmatched(side, row):
                checkHeld([row.hold])
                outcomes.append(.alone(side, row.row))
            case let .release(hold):
                XCTAssertTrue(holdsTaken.contains(hold), "released hold \(hold) was taken", file: file, line: line)
                released[hold, default: 0] += 1
            }
        }
        events.removeAll(keepingCapacity: true)
    }

    private func checkHeld(_ holds: [Int]) {
        for h in holds {
            XCTAssertTrue(holdsTaken.contains(h) && released[h] == nil, "output lists hold \(h) while held", file: file, line: line)
        }
    }
}
