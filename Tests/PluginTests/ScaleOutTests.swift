import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Scale-out on Kafka: three `sluice` hosts, each in a network namespace of
/// its own, run the same orders-and-payments join manifest in one consumer
/// group against the test broker and MongoDB. One host is SIGKILLed mid-run
/// and another started in its place; at the end the collection equals the
/// join computed here over everything produced. The partitions move with
/// each rebalance; the join keeps state per partition and rebuilds a moved
/// partition's window by replay (held deliveries keep its offsets
/// uncommitted); the sink's upsert by (order id, payment id) absorbs replays.
final class ScaleOutTests: XCTestCase {
    private let partitions = 6
    /// Orders (and as many payments), produced at `rate` a second each: the host is killed and replaced while they flow.
    private let count = 1200
    private let rate = 120

    func testThreeHostsShareTheJoinAndLoseNothingWhenOneIsKilledAndReplaced() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("scale-out")
        let hosts = TestHosts(count: 3)
        defer { hosts.tearDown() }
        print("scale-out: hosts \(hosts.isolated ? "in network namespaces at \(hosts.hosts.map(\.address))" : "on loopback (no network namespaces here)")")
        try FileManager.default.createDirectory(atPath: dir + "/mongo", withIntermediateDirectories: true)
        let kafka = try ManagedServer.kafka(advertised: hosts.serverAddress, logDir: dir)
        let mongo = try ManagedServer.mongo(dataDir: dir + "/mongo", host: hosts.isolated ? "0.0.0.0" : "127.0.0.1", logDir: dir)
        defer { [kafka, mongo].forEach { $0.stop() } }
        try kafka.start()
        try mongo.start()
        let brokers = "\(hosts.serverAddress):\(kafka.port)", uri = "mongodb://\(hosts.serverAddress):\(mongo.port)"
        try ManagedServer.createTopics(["orders", "payments"], partitions: partitions, brokers: brokers)

        var running: [Process?] = [nil, nil, nil]
        var statusPorts: [Int] = []
        defer { for p in running.compactMap({ $0 }) where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        func start(_ i: Int, generation: Int) throws {
            let manifest = dir + "/host\(i).yaml"
            try hostManifest(brokers: brokers, uri: uri, state: "\(dir)/state-\(i)", deadLetters: "\(dir)/dead-\(i).ndjson")
                .write(toFile: manifest, atomically: true, encoding: .utf8)
            running[i] = try hosts.launch(i, ["run", manifest, "--no-progress",
                                              "--status-listen", "\(hosts.hosts[i].address):\(statusPorts[i])"],
                                          log: "\(dir)/host\(i)-\(generation).log")
        }
        for i in 0 ..< 3 {
            statusPorts.append(try ManagedServer.freePort())
            try start(i, generation: 0)
        }
        let metrics = HostMetrics(hosts: hosts, ports: statusPorts)

        let producer = dir + "/produce.yaml"
        try producerManifest(brokers: brokers, dir: dir).write(toFile: producer, atomically: true, encoding: .utf8)
        let producing = try TestSupport.launch(["run", producer, "--no-progress"], stderr: dir + "/producer.log")
        try waitFor("every host to read records", seconds: 60) { (0 ..< 3).allSatisfy { metrics.recordsRead(host: $0) > 0 } }
        let readBeforeKill = (0 ..< 3).map { metrics.recordsRead(host: $0) }
        print("scale-out: records read before the kill, per host: \(readBeforeKill)")
        kill(running[1]!.processIdentifier, SIGKILL)
        running[1]!.waitUntilExit()
        sleep(2)
        try start(1, generation: 1)
        producing.waitUntilExit()
        XCTAssertEqual(producing.terminationStatus, 0, (try? String(contentsOfFile: dir + "/producer.log", encoding: .utf8)) ?? "")

        let expected = try OrdersPaymentsOracle.leftJoin(orders: [dir + "/orders.ndjson"], payments: [dir + "/payments.ndjson"])
        let pairs = expected.filter { !$0.hasSuffix(" -") }
        // Every pair is written as soon as both rows are read; the unpaid orders come out at the drain below.
        try waitFor("every pair in MongoDB", seconds: 120) { pairs.isSubset(of: Set((try? OrdersPaymentsOracle.stored(uri: uri)) ?? [])) }
        try waitFor("every host to have read its partitions to the end", seconds: 60) { (0 ..< 3).allSatisfy { metrics.lag(host: $0) == 0 } }
        let readAtEnd = (0 ..< 3).map { metrics.recordsRead(host: $0) }
        print("scale-out: records read after the replacement, per host: \(readAtEnd)")
        for p in running.compactMap({ $0 }) { kill(p.processIdentifier, SIGTERM) }
        for p in running.compactMap({ $0 }) { p.waitUntilExit() }
        for (i, p) in running.enumerated() {
            XCTAssertEqual(p?.terminationStatus, 0, "host \(i): \((try? String(contentsOfFile: "\(dir)/host\(i)-\(i == 1 ? 1 : 0).log", encoding: .utf8))?.suffix(1500) ?? "")")
        }

        let stored = try OrdersPaymentsOracle.stored(uri: uri)
        XCTAssertEqual(stored.count, Set(stored).count, "one document per pair (upsert)")
        XCTAssertEqual(Set(stored), expected, "missing: \(expected.subtracting(stored).prefix(5)); unexpected: \(Set(stored).subtracting(expected).prefix(5))")
        XCTAssertTrue(readAtEnd.allSatisfy { $0 > 0 }, "the replacement host and the survivors all read records: \(readAtEnd)")
        for i in 0 ..< 3 {
            XCTAssertEqual(TestSupport.lineCount("\(dir)/dead-\(i).ndjson"), 0, "host \(i) dead-lettered records")
        }
    }

    /// Orders and payments keyed by order id on both topics (co-partitioned),
    /// and to files the expected join is computed from.
    private func producerManifest(brokers: String, dir: String) -> String {
        """
        sources:
          orders: {use: faker.generate, config: {profile: orders, seed: 10, count: \(count), rate: \(rate), interval_ms: 200}}
          payments: {use: faker.generate, config: {profile: payments, seed: 10, count: \(count), rate: \(rate), interval_ms: 200}}
        sinks:
          orders-topic: {use: kafka.write, inputs: [orders], config: {brokers: "\(brokers)", topic: orders, key: order_id}}
          payments-topic: {use: kafka.write, inputs: [payments], config: {brokers: "\(brokers)", topic: payments, key: order_id}}
          orders-file: {use: file.write, inputs: [orders], config: {path: \(dir)/orders.ndjson}}
          payments-file: {use: file.write, inputs: [payments], config: {path: \(dir)/payments.ndjson}}
        """
    }

    private func hostManifest(brokers: String, uri: String, state: String, deadLetters: String) -> String {
        """
        engine: {state_dir: \(state), tick_interval_ms: 200, batch: {max_records: 100, max_wait_ms: 50}}
        \(OrdersPaymentsJoin.manifest(brokers: brokers, group: "paid-orders",
                                     consumer: "commit_interval_ms: 0, session_timeout_ms: 3000, heartbeat_interval_ms: 500",
                                     join: "idle_timeout_ms: 600000"))
        sinks:
          mongo:
            use: mongodb.write
            inputs: [paid]
            config: {uri: "\(uri)", database: shop, collection: paid_orders, mode: replace, key: [order.order_id, payment.payment_id]}
          rejects: {use: file.write, config: {path: \(deadLetters)}}
        dead_letter: rejects
        """
    }

    private func waitFor(_ what: String, seconds: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if try condition() { return }
            usleep(200_000)
        }
        throw TestFailure("timed out after \(Int(seconds)) s waiting for \(what)")
    }
}

/// Reads each host's `/metrics` over its own address.
private struct HostMetrics {
    let hosts: TestHosts
    let ports: [Int]
    private let client = HTTPClient(headers: [], timeoutMillis: 2000)

    init(hosts: TestHosts, ports: [Int]) {
        self.hosts = hosts
        self.ports = ports
    }

    private func lines(_ host: Int) -> [Substring] {
        let page = (try? client.send(method: "GET", url: "http://\(hosts.hosts[host].address):\(ports[host])/metrics", body: nil))
            .map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        return page.split(separator: "\n")
    }

    private static func value(_ line: Substring) -> Double { Double(line.split(separator: " ").last ?? "") ?? 0 }

    /// Records the host's Kafka source read in this run of it.
    func recordsRead(host: Int) -> Int {
        let line = lines(host).first {
            $0.hasPrefix("sluice_component_records_total{") && $0.contains(#"component="events""#) && $0.contains(#"outcome="in""#)
        }
        return line.map { Int(Self.value($0)) } ?? 0
    }

    /// The host's consumer lag summed over the partitions it holds; nil before it reported any.
    func lag(host: Int) -> Int? {
        let lags = lines(host).filter { $0.contains("consumer_lag_records{") && !$0.hasPrefix("#") }
        return lags.isEmpty ? nil : lags.reduce(0) { $0 + Int(Self.value($1)) }
    }
}
