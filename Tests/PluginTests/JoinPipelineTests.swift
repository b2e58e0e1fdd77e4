import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The join plugin in the engine: files of orders and payments → join →
/// file, compared with a brute-force join of the same files.
final class JoinPipelineTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("join")
        // Payments trail their order by up to 10 s, and some are orphans; 3% of
        // each stream is up to 3 s out of order. (Ids stay unique: the late test picks rows by id.)
        let shop = "{payment_delay: {min_ms: 0, max_ms: 10000}, orphan_payment_ratio: 0.02}"
        _ = try TestSupport.run("""
        sources:
          orders:
            use: faker.generate
            config: {profile: orders, seed: 5, count: 3000, interval_ms: 100, late_ratio: 0.03, late_by_ms: 3000, shop: \(shop)}
          payments:
            use: faker.generate
            config: {profile: payments, seed: 5, count: 3000, interval_ms: 100, late_ratio: 0.03, late_by_ms: 3000, shop: \(shop)}
        sinks:
          o: {use: file.write, inputs: [orders], config: {path: \(dir)/orders.ndjson}}
          p: {use: file.write, inputs: [payments], config: {path: \(dir)/payments.ndjson}}
        """, dir: dir)
    }

    struct Row {
        let id: String
        let key: String
        let time: Int64
    }

    enum Out: Hashable {
        case pair(String, String)
        case order(String)
        case payment(String)
    }

    private func rows(_ file: String, id: String, time: String) throws -> [Row] {
        try TestSupport.readNDJSON("\(dir)/\(file)").map { d in
            Row(id: d[id]!.string!, key: d["order_id"]!.string!, time: ISO8601.parse(d[time]!["$date"]!.string!)!)
        }
    }

    private func oracle(_ orders: [Row], _ payments: [Row], _ type: String, upper: Int64) -> [Out: Int] {
        var out: [Out: Int] = [:]
        var paid = Set<String>()
        let byKey = Dictionary(grouping: payments, by: \.key)
        for o in orders {
            let matches = (byKey[o.key] ?? []).filter { $0.time >= o.time && $0.time <= o.time + upper }
            for p in matches {
                out[.pair(o.id, p.id), default: 0] += 1
                paid.insert(p.id)
            }
            if matches.isEmpty, type == "left" || type == "full" { out[.order(o.id), default: 0] += 1 }
        }
        if type == "right" || type == "full" {
            for p in payments where !paid.contains(p.id) { out[.payment(p.id), default: 0] += 1 }
        }
        return out
    }

    /// Runs the join in the engine in this process or, isolated, in the
    /// `sluice` binary (whose children are `sluice isolate`).
    private func join(_ type: String, upper: Int64, outOfOrderness: Int, isolation: String = "none", onStop: String = "emit") throws
        -> (out: [Out: Int], late: [String])
    {
        let manifest = """
        sources:
          orders: {use: file.read, config: {path: \(dir)/orders.ndjson}}
          payments: {use: file.read, config: {path: \(dir)/payments.ndjson}}
        processors:
          paid:
            use: join.join
            inputs: [orders, payments]
            isolation: \(isolation)
            config:
              type: \(type)
              left: {key: order_id, time: {field: created_at}, as: order}
              right: {key: order_id, time: {field: paid_at}, as: payment}
              between: {lower_ms: 0, upper_ms: \(upper)}
              max_out_of_orderness_ms: \(outOfOrderness)
              late: output
              on_stop: \(onStop)
        sinks:
          out: {use: file.write, inputs: [paid], config: {path: \(dir)/joined.ndjson, append: false}}
          late: {use: file.write, inputs: [paid.late], config: {path: \(dir)/late.ndjson, append: false}}
        """
        if isolation == "none" {
            _ = try TestSupport.run(manifest, dir: dir)
        } else {
            // A state folder of its own: the run in the host left its window's state in the test's.
            try ("engine: {state_dir: \(dir)/isolated-state}\n" + manifest).write(toFile: dir + "/join.yaml", atomically: true, encoding: .utf8)
            let result = try TestSupport.runProcess(TestSupport.sluice, ["run", dir + "/join.yaml", "--no-progress"])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        var out: [Out: Int] = [:]
        for d in try TestSupport.readNDJSON("\(dir)/joined.ndjson") {
            let o = d["order"]?["order_id"]?.string, p = d["payment"]?["payment_id"]?.string
            let item: Out = if let o, let p { .pair(o, p) } else if let o { .order(o) } else { .payment(p!) }
            out[item, default: 0] += 1
        }
        let late = try TestSupport.readNDJSON("\(dir)/late.ndjson").map { $0["payment_id"]?.string ?? $0["order_id"]!.string! }
        return (out, late)
    }

    private func assertSame(_ got: [Out: Int], _ expected: [Out: Int], _ label: String, line: UInt = #line) {
        let wrong = Set(got.keys).union(expected.keys).filter { got[$0] != expected[$0] }
        XCTAssertTrue(wrong.isEmpty, "\(label): \(wrong.count) outputs differ from the oracle, e.g. "
            + wrong.prefix(5).map { "\($0): \(got[$0] ?? 0) vs \(expected[$0] ?? 0)" }.joined(separator: "; "), line: line)
    }

    func testEveryJoinTypeEqualsTheBruteForceJoin() throws {
        let orders = try rows("orders.ndjson", id: "order_id", time: "created_at")
        let payments = try rows("payments.ndjson", id: "payment_id", time: "paid_at")
        for type in ["inner", "left", "right", "full"] {
            let expected = oracle(orders, payments, type, upper: 5000)
            XCTAssertGreaterThan(expected.count, 1000, type)
            let (got, late) = try join(type, upper: 5000, outOfOrderness: 3000)
            XCTAssertEqual(late, [], type)
            assertSame(got, expected, type)
        }
    }

    /// The join in a child process (`isolation: process`): the rows it keeps
    /// in its window are held across the wire, and what comes out is the
    /// same multiset as in the host (and the oracle's).
    func testAnIsolatedJoinGivesWhatTheJoinInTheHostGives() throws {
        let (inHost, lateInHost) = try join("full", upper: 5000, outOfOrderness: 3000)
        let (isolated, lateIsolated) = try join("full", upper: 5000, outOfOrderness: 3000, isolation: "process")
        XCTAssertGreaterThan(inHost.count, 1000)
        assertSame(isolated, inHost, "isolated against in the host")
        XCTAssertEqual(lateIsolated, lateInHost)
        let orders = try rows("orders.ndjson", id: "order_id", time: "created_at")
        let payments = try rows("payments.ndjson", id: "payment_id", time: "paid_at")
        assertSame(isolated, oracle(orders, payments, "full", upper: 5000), "isolated against the oracle")
    }

    /// `on_stop: replay` keeps the window held on a stop only: inputs that
    /// end by themselves still give every outer row, in the host and isolated.
    func testOnStopReplayEmitsEveryRowWhenTheInputsEnd() throws {
        let orders = try rows("orders.ndjson", id: "order_id", time: "created_at")
        let payments = try rows("payments.ndjson", id: "payment_id", time: "paid_at")
        let expected = oracle(orders, payments, "full", upper: 5000)
        for isolation in ["none", "process"] {
            let (got, late) = try join("full", upper: 5000, outOfOrderness: 3000, isolation: isolation, onStop: "replay")
            XCTAssertEqual(late, [], isolation)
            assertSame(got, expected, "on_stop: replay, isolation: \(isolation)")
        }
    }

    /// With less out-of-orderness than the data has, some rows are late: they
    /// come out on `late` unchanged, and the join of every other row is exact.
    func testLateRowsGoToTheLateOutputAndTheRestJoinsExactly() throws {
        let orders = try rows("orders.ndjson", id: "order_id", time: "created_at")
        let payments = try rows("payments.ndjson", id: "payment_id", time: "paid_at")
        let (got, late) = try join("full", upper: 5000, outOfOrderness: 0)
        XCTAssertGreaterThan(late.count, 10)
        let lateIDs = Set(late)
        XCTAssertEqual(lateIDs.count, late.count, "each late row once")
        let expected = oracle(orders.filter { !lateIDs.contains($0.id) }, payments.filter { !lateIDs.contains($0.id) }, "full", upper: 5000)
        assertSame(got, expected, "full, with late rows")
    }

    /// A record the join cannot place (no key, an unreadable time) goes to
    /// the dead-letter queue with its reason; the rest joins.
    func testUnjoinableRecordsAreDeadLetteredWithTheirReason() throws {
        try """
        {"order_id": "A", "created_at": "2024-06-01T00:00:10Z"}
        {"created_at": "2024-06-01T00:00:11Z"}
        {"order_id": "B", "created_at": "yesterday"}
        {"order_id": "C", "created_at": "2024-06-01T00:00:09Z"}
        """.write(toFile: "\(dir)/o.ndjson", atomically: true, encoding: .utf8)
        try """
        {"payment_id": "P1", "order_id": "A", "paid_at": "2024-06-01T00:00:12Z"}
        """.write(toFile: "\(dir)/p.ndjson", atomically: true, encoding: .utf8)
        let summary = try TestSupport.run("""
        sources:
          orders: {use: file.read, config: {path: \(dir)/o.ndjson}}
          payments: {use: file.read, config: {path: \(dir)/p.ndjson}}
        processors:
          paid:
            use: join.join
            inputs: [orders, payments]
            config:
              type: left
              left: {key: order_id, time: {field: created_at}}
              right: {key: order_id, time: {field: paid_at}}
              between: {lower_ms: 0, upper_ms: 5000}
        sinks:
          out: {use: file.write, inputs: [paid], config: {path: \(dir)/joined.ndjson, append: false}}
          dlq: {use: file.write, config: {path: \(dir)/dlq.ndjson, append: false}}
        dead_letter: dlq
        """, dir: dir)
        let joined = try TestSupport.readNDJSON("\(dir)/joined.ndjson")
        XCTAssertEqual(Set(joined.map { $0["left"]?["order_id"]?.string }), ["A", "C"])
        XCTAssertEqual(joined.first { $0["left"]?["order_id"]?.string == "A" }?["right"]?["payment_id"]?.string, "P1")
        XCTAssertEqual(joined.first { $0["left"]?["order_id"]?.string == "C" }?["right"], .null, "an unpaid order comes out alone")
        let reasons = try TestSupport.readNDJSON("\(dir)/dlq.ndjson").compactMap { $0["reason"]?.string }
        XCTAssertEqual(reasons.count, 2, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains(#"join: no key field "order_id""#) }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("cannot read \"yesterday\" in created_at") }, "\(reasons)")
        XCTAssertEqual(summary.stage("paid")?.deadLettered, 2)
    }
}
