import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The join's delivery promise against real servers: orders and payments
/// stream into two Kafka topics while the `sluice` host joins them into
/// MongoDB and is SIGKILLed twice mid-run. Rows still in the window hold
/// their offsets uncommitted, so each restart replays them and rebuilds the
/// window; the upsert keyed by (order id, payment id) absorbs what is written
/// twice. At the end the collection must equal a brute-force left join of
/// everything produced: nothing lost, nothing extra.
final class JoinCrashTests: XCTestCase {
    func testTwoSIGKILLsMidRunLeaveTheCollectionEqualToTheOracle() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("join-crash")
        let servers = try ShopServers(dir: dir)
        defer { servers.stop() }
        let brokers = servers.brokers, uri = servers.uri
        try ManagedServer.createTopics(["orders", "payments"], partitions: 1, brokers: brokers)

        // The producers run for about ten seconds, so both kills land while records still stream in.
        let count = 3000
        let producer = dir + "/produce.yaml"
        try """
        sources:
          orders: {use: faker.generate, config: {profile: orders, seed: 23, count: \(count), rate: 300, interval_ms: 200}}
          payments: {use: faker.generate, config: {profile: payments, seed: 23, count: \(count), rate: 300, interval_ms: 200}}
        sinks:
          orders-topic: {use: kafka.write, inputs: [orders], config: {brokers: "\(brokers)", topic: orders}}
          payments-topic: {use: kafka.write, inputs: [payments], config: {brokers: "\(brokers)", topic: payments}}
          orders-file: {use: file.write, inputs: [orders], config: {path: \(dir)/orders.ndjson}}
          payments-file: {use: file.write, inputs: [payments], config: {path: \(dir)/payments.ndjson}}
        """.write(toFile: producer, atomically: true, encoding: .utf8)

        // The seed's join (examples/orders-payments-join.yaml) read as README
        // "Kafka partitions" advises: one kafka.read of both topics (one
        // consumer commits both, so a payment's offset is never committed
        // before the order it matched), sides told apart by topic. A short
        // session timeout gives a restarted host the dead one's partitions in seconds.
        let manifest = dir + "/join.yaml"
        try """
        engine: {tick_interval_ms: 100, state_dir: \(dir)/state}
        \(OrdersPaymentsJoin.manifest(brokers: brokers, group: "crash-join", consumer: "session_timeout_ms: 1000, heartbeat_interval_ms: 300",
                                     join: "idle_timeout_ms: 30000"))
        sinks:
          mongo:
            use: mongodb.write
            inputs: [paid]
            config: {uri: "\(uri)", database: shop, collection: paid_orders, mode: replace, key: [order.order_id, payment.payment_id]}
          late: {use: file.write, inputs: [paid.late], config: {path: \(dir)/late.ndjson}}
          rejects: {use: file.write, config: {path: \(dir)/dead.ndjson}}
        dead_letter: rejects
        """.write(toFile: manifest, atomically: true, encoding: .utf8)

        let probe = MongoProbe(uri: uri, database: "shop", collection: "paid_orders")
        func runUntilKilled(_ label: String, atDocuments target: Int) throws {
            let host = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: "\(dir)/\(label).log")
            let deadline = Date(timeIntervalSinceNow: 60)
            var stored = 0
            while host.isRunning, Date() < deadline {
                stored = (try? probe.count()) ?? 0
                if stored >= target { break }
                usleep(50_000)
            }
            XCTAssertTrue(host.isRunning, "\(label): the host exited before the kill: \(log(label))")
            XCTAssertGreaterThanOrEqual(stored, target, "\(label): the join wrote too little to MongoDB: \(log(label))")
            kill(host.processIdentifier, SIGKILL)
            host.waitUntilExit()
            XCTAssertEqual(host.terminationReason, .uncaughtSignal)
        }
        func log(_ label: String) -> String { (try? String(contentsOfFile: "\(dir)/\(label).log", encoding: .utf8)) ?? "" }

        let produce = try TestSupport.launch(["run", producer, "--no-progress"], stderr: dir + "/produce.log")
        try runUntilKilled("first", atDocuments: count / 5)
        try runUntilKilled("second", atDocuments: count / 2)
        produce.waitUntilExit()
        XCTAssertEqual(produce.terminationStatus, 0, "producer: \(log("produce"))")

        // The last run reads exactly what the kills left uncommitted, so it ends
        // like a bounded input: the watermark goes to +∞ and every outer row comes out.
        let committed = try ["orders", "payments"].map { try committedOffset(brokers: brokers, group: "crash-join", topic: $0) }
        XCTAssertLessThan(committed[0], count, "orders in the window at the kill stay uncommitted")
        let replay = 2 * count - committed.reduce(0, +)
        let last = try TestSupport.launch(["run", manifest, "--no-progress", "--max-records", String(replay)], stderr: dir + "/last.log")
        let deadline = Date(timeIntervalSinceNow: 90)
        while last.isRunning, Date() < deadline { usleep(100_000) }
        if last.isRunning { kill(last.processIdentifier, SIGKILL) }
        last.waitUntilExit()
        XCTAssertEqual(last.terminationStatus, 0, "last run: \(log("last"))")
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.ndjson"), 0, "records were dead-lettered")
        XCTAssertEqual(TestSupport.lineCount(dir + "/late.ndjson"), 0, "replayed in-order topics leave no late rows")

        struct Row { let id: String, key: String, time: Int64 }
        func rows(_ file: String, _ id: String, _ time: String) throws -> [Row] {
            try TestSupport.readNDJSON("\(dir)/\(file)").map {
                Row(id: $0[id]!.string!, key: $0["order_id"]!.string!, time: ISO8601.parse($0[time]!["$date"]!.string!)!)
            }
        }
        let orders = try rows("orders.ndjson", "order_id", "created_at")
        let paymentRows = try rows("payments.ndjson", "payment_id", "paid_at")
        XCTAssertEqual([orders.count, paymentRows.count], [count, count])
        let payments = Dictionary(grouping: paymentRows, by: \.key)
        var expected: [String] = []
        for o in orders {
            let matches = (payments[o.key] ?? []).filter { $0.time >= o.time && $0.time <= o.time + 120_000 }
            if matches.isEmpty { expected.append("\(o.id) -") }
            for p in matches { expected.append("\(o.id) \(p.id)") }
        }
        let stored = try probe.documents().map { bytes in
            bytes.withUnsafeBytes { raw -> String in
                let d = BSONDocument(raw)
                let order = d["order"]?.document?["order_id"]?.string ?? "?"
                let payment = d["payment"]?.document?["payment_id"]?.string ?? "-"
                return "\(order) \(payment)"
            }
        }
        XCTAssertEqual(Set(expected).count, expected.count, "the oracle's pairs are distinct")
        XCTAssertEqual(stored.count, Set(stored).count, "one document per pair (upsert)")
        let missing = Set(expected).subtracting(stored), extra = Set(stored).subtracting(expected)
        XCTAssertTrue(missing.isEmpty && extra.isEmpty,
                      "\(missing.count) missing, e.g. \(missing.sorted().prefix(5)); \(extra.count) extra, e.g. \(extra.sorted().prefix(5))")
        XCTAssertTrue(expected.contains { $0.hasSuffix(" -") } && expected.contains { !$0.hasSuffix(" -") }, "both paid and unpaid orders")
        let ledger = ["matched.0", "matched.1"].map { (try? FileManager.default.attributesOfItem(atPath: "\(dir)/state/paid/\($0)"))?[.size] as? Int ?? 0 }
        XCTAssertGreaterThan(ledger.reduce(0, +), 0, "the join kept no ledger of matched orders in its state directory")
        print("join crash: \(expected.count) documents after two SIGKILLs; committed before the last run \(committed), replayed \(replay)")
    }

    /// The group's committed offset of a one-partition topic (confluent-kafka from the test venv); 0 when none.
    private func committedOffset(brokers: String, group: String, topic: String) throws -> Int {
        let script = """
        import sys
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2], "enable.auto.commit": False})
        [tp] = c.committed([TopicPartition(sys.argv[3], 0)], timeout=10)
        print(max(tp.offset, 0))
        c.close()
        """
        let r = try TestSupport.runProcess(ManagedServer.venv + "/bin/python3", ["-c", script, brokers, group, topic])
        guard r.status == 0, let offset = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("asking the broker for \(group)'s committed offset failed: \(r.stderr)")
        }
        return offset
    }
}
