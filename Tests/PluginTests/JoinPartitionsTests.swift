import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The join's per-split state (ABI 1.3) against the real broker: orders and
/// payments on two co-partitioned topics of three partitions each, read by
/// one `kafka.read`. The partitions are fetched at different paces, so with
/// no out-of-orderness allowed a single watermark per input would make rows
/// late; one window per partition keeps each partition in order, and the
/// output equals a brute-force left join.
final class JoinPartitionsTests: XCTestCase {
    func testCoPartitionedTopicsJoinPerPartitionWithNothingLate() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("join-partitions")
        let kafka = try ManagedServer.kafka(logDir: dir)
        defer { kafka.stop() }
        try kafka.start()
        let brokers = "127.0.0.1:\(kafka.port)"
        try ManagedServer.createTopics(["orders", "payments"], partitions: 3, brokers: brokers)
        let count = 3000
        // faker keys each record by its order id: both topics partition an order and its payment alike.
        let shop = "{payment_delay: {min_ms: 0, max_ms: 20000}, orphan_payment_ratio: 0.02}"
        _ = try TestSupport.run("""
        sources:
          orders: {use: faker.generate, config: {profile: orders, seed: 31, count: \(count), interval_ms: 200, shop: \(shop)}}
          payments: {use: faker.generate, config: {profile: payments, seed: 31, count: \(count), interval_ms: 200, shop: \(shop)}}
        sinks:
          orders-topic: {use: kafka.write, inputs: [orders], config: {brokers: "\(brokers)", topic: orders}}
          payments-topic: {use: kafka.write, inputs: [payments], config: {brokers: "\(brokers)", topic: payments}}
          orders-file: {use: file.write, inputs: [orders], config: {path: \(dir)/orders.ndjson}}
          payments-file: {use: file.write, inputs: [payments], config: {path: \(dir)/payments.ndjson}}
        """, dir: dir)

        let summary = try TestSupport.run("""
        \(OrdersPaymentsJoin.manifest(brokers: brokers, group: "partitions-join", upperMillis: 30000, outOfOrdernessMillis: 0))
        sinks:
          out: {use: file.write, inputs: [paid], config: {path: \(dir)/joined.ndjson}}
          late: {use: file.write, inputs: [paid.late], config: {path: \(dir)/late.ndjson}}
          rejects: {use: file.write, config: {path: \(dir)/dead.ndjson}}
        dead_letter: rejects
        """, dir: dir, maxRecords: 2 * count)
        XCTAssertEqual(summary.read, 2 * count)
        XCTAssertEqual(TestSupport.lineCount(dir + "/late.ndjson"), 0, "a partition's rows were late because of another partition's pace")
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.ndjson"), 0)

        struct Row { let id: String, key: String, time: Int64 }
        func rows(_ file: String, _ id: String, _ time: String) throws -> [Row] {
            try TestSupport.readNDJSON("\(dir)/\(file)").map {
                Row(id: $0[id]!.string!, key: $0["order_id"]!.string!, time: ISO8601.parse($0[time]!["$date"]!.string!)!)
            }
        }
        let orders = try rows("orders.ndjson", "order_id", "created_at")
        let payments = Dictionary(grouping: try rows("payments.ndjson", "payment_id", "paid_at"), by: \.key)
        var expected: [String: Int] = [:]
        for o in orders {
            let matches = (payments[o.key] ?? []).filter { $0.time >= o.time && $0.time <= o.time + 30_000 }
            if matches.isEmpty { expected["\(o.id) -", default: 0] += 1 }
            for p in matches { expected["\(o.id) \(p.id)", default: 0] += 1 }
        }
        var got: [String: Int] = [:]
        var partitionsSeen = Set<Int64>()
        for d in try TestSupport.readNDJSON(dir + "/joined.ndjson") {
            let order = d["order"]!, payment = d["payment"]!
            got["\(order["order_id"]!.string!) \(payment["payment_id"]?.string ?? "-")", default: 0] += 1
            let partition = order["kafka"]!["partition"]!.integer!
            partitionsSeen.insert(partition)
            if let other = payment["kafka"]?["partition"]?.integer {
                XCTAssertEqual(other, partition, "an order and its payment came from different partitions")
            }
        }
        XCTAssertEqual(partitionsSeen, [0, 1, 2], "the orders were spread over the three partitions")
        let wrong = Set(got.keys).union(expected.keys).filter { got[$0] != expected[$0] }
        XCTAssertTrue(wrong.isEmpty, "\(wrong.count) outputs differ from the oracle, e.g. \(wrong.sorted().prefix(5).map { "\($0): \(got[$0] ?? 0) vs \(expected[$0] ?? 0)" })")
        XCTAssertTrue(expected.keys.contains { $0.hasSuffix(" -") } && expected.keys.contains { !$0.hasSuffix(" -") })
    }
}
