import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Seed 004 as shipped, examples/orders-payments-join.yaml: orders and
/// payments produced to two Kafka topics, joined on the order id into
/// MongoDB; the collection must equal a brute-force left join of what was
/// produced.
final class OrdersPaymentsSeedTests: XCTestCase {
    func testOrdersAndPaymentsOnKafkaJoinedIntoMongoDB() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("seed-join")
        let servers = try ShopServers(dir: dir)
        defer { servers.stop() }
        let brokers = servers.brokers, uri = servers.uri
        let count = 1500
        // One partition per topic: the producers below write without a key, so the topics are not co-partitioned.
        try ManagedServer.createTopics(["orders", "payments"], partitions: 1, brokers: brokers)
        // The producers: each stream to its topic, and to a file the expected join is computed from.
        _ = try TestSupport.run("""
        sources:
          orders: {use: faker.generate, config: {profile: orders, seed: 9, count: \(count), interval_ms: 200}}
          payments: {use: faker.generate, config: {profile: payments, seed: 9, count: \(count), interval_ms: 200}}
        sinks:
          orders-topic: {use: kafka.write, inputs: [orders], config: {brokers: "\(brokers)", topic: orders}}
          payments-topic: {use: kafka.write, inputs: [payments], config: {brokers: "\(brokers)", topic: payments}}
          orders-file: {use: file.write, inputs: [orders], config: {path: \(dir)/orders.ndjson}}
          payments-file: {use: file.write, inputs: [payments], config: {path: \(dir)/payments.ndjson}}
        """, dir: dir)

        let manifest = try String(contentsOfFile: TestSupport.repoRoot + "/examples/orders-payments-join.yaml", encoding: .utf8)
        let joined = try TestSupport.run(manifest, dir: dir, maxRecords: 2 * count, environment: [
            "KAFKA_BROKERS": brokers, "MONGO_URI": uri,
            "SLUICE_LATE": dir + "/late.ndjson", "SLUICE_DLQ": dir + "/dead.ndjson",
        ])
        XCTAssertEqual(joined.read, 2 * count)
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.ndjson"), 0, "records were dead-lettered")
        XCTAssertEqual(TestSupport.lineCount(dir + "/late.ndjson"), 0, "in-order topics leave no late rows")

        let expected = try OrdersPaymentsOracle.leftJoin(orders: [dir + "/orders.ndjson"], payments: [dir + "/payments.ndjson"])
        let stored = try OrdersPaymentsOracle.stored(uri: uri)
        XCTAssertEqual(stored.count, Set(stored).count, "one document per pair (upsert)")
        XCTAssertEqual(Set(stored), expected, "missing: \(expected.subtracting(stored).prefix(5)); unexpected: \(Set(stored).subtracting(expected).prefix(5))")
        XCTAssertTrue(expected.contains { $0.hasSuffix(" -") } && expected.contains { !$0.hasSuffix(" -") }, "both paid and unpaid orders")
    }
}
