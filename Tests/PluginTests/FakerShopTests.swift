import FakerPlugin
import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The `orders` and `payments` profiles' shop: every knob must show in the
/// generated streams at the configured rate, and the two streams must agree
/// whether they are made in one manifest or two.
final class FakerShopTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("faker-shop") }

    static let shop = """
    {payment_delay: {distribution: exponential, mean_ms: 20000, min_ms: 1000, max_ms: 90000},
     missing_payment_ratio: 0.2, orphan_payment_ratio: 0.05, clock_skew_ratio: 0.1, clock_skew_ms: 4000,
     duplicate_ratio: 0.03, disorder_ms: 2000}
    """

    private func source(_ profile: String) -> String {
        "{use: faker.generate, config: {profile: \(profile), seed: 5, count: 20000, interval_ms: 1000, shop: \(Self.shop)}}"
    }

    private func sink(_ input: String, _ file: String) -> String {
        "{use: file.write, inputs: [\(input)], config: {path: \(dir)/\(file), append: false}}"
    }

    private func generateBoth() throws {
        _ = try TestSupport.run("""
        sources:
          orders: \(source("orders"))
          payments: \(source("payments"))
        sinks:
          orders-file: \(sink("orders", "orders.ndjson"))
          payments-file: \(sink("payments", "payments.ndjson"))
        """, dir: dir)
    }

    private struct Line {
        let id: String
        let order: String
        let time: Int64
    }

    private func lines(_ file: String, id: String, time: String) throws -> [Line] {
        try TestSupport.readNDJSON("\(dir)/\(file)").map {
            Line(id: $0[id]!.string!, order: $0["order_id"]!.string!, time: ISO8601.parse($0[time]!["$date"]!.string!)!)
        }
    }

    private func assertRate(_ count: Int, of total: Int, is expected: Double, within tolerance: Double, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        let rate = Double(count) / Double(total)
        XCTAssertEqual(rate, expected, accuracy: tolerance, "\(what): \(count) of \(total)", file: file, line: line)
    }

    func testEveryKnobShowsInTheStreams() throws {
        try generateBoth()
        let orders = try lines("orders.ndjson", id: "order_id", time: "created_at")
        let payments = try lines("payments.ndjson", id: "payment_id", time: "paid_at")
        XCTAssertEqual([orders.count, payments.count], [20000, 20000])

        // Duplicates: the same record twice.
        let distinctOrders = Dictionary(orders.map { ($0.id, $0.time) }, uniquingKeysWith: { a, _ in a })
        let distinctPayments = Dictionary(payments.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        assertRate(orders.count - distinctOrders.count, of: distinctOrders.count, is: 0.03, within: 0.006, "duplicated orders")
        assertRate(payments.count - distinctPayments.count, of: distinctPayments.count, is: 0.03, within: 0.006, "duplicated payments")

        // Disorder: each record at most disorder_ms behind the newest before it, and often behind.
        for (name, times) in [("orders", orders.map(\.time)), ("payments", payments.map(\.time))] {
            var newest = Int64.min, behind = 0, worst: Int64 = 0
            for t in times {
                if t < newest { behind += 1; worst = max(worst, newest - t) }
                newest = max(newest, t)
            }
            XCTAssertLessThanOrEqual(worst, 2000, "\(name) arrive further out of order than disorder_ms")
            XCTAssertGreaterThan(behind, times.count / 10, "\(name) arrive in order: disorder_ms did nothing")
        }

        // The first 15,000 orders: the payments stream surely reaches past their payments.
        let considered = distinctOrders.filter { Int($0.key.dropFirst(2))! < 15000 }
        XCTAssertEqual(considered.count, 15000, "orders 0..<15000 were all made")
        let paid = distinctPayments.values.filter { !$0.order.hasPrefix("X-") && considered[$0.order] != nil }
        let orphans = distinctPayments.values.filter { $0.order.hasPrefix("X-") && Int($0.order.dropFirst(4))! < 15000 }
        XCTAssertTrue(distinctPayments.values.allSatisfy { $0.order.hasPrefix("X-") || Int($0.order.dropFirst(2))! >= 15000 || considered[$0.order] != nil },
                      "a payment refers to an order the orders stream did not make")
        XCTAssertTrue(orphans.allSatisfy { distinctOrders[$0.order] == nil }, "an orphan's order exists")
        XCTAssertEqual(Set(paid.map(\.order)).count, paid.count, "an order paid twice (apart from duplicates)")
        assertRate(considered.count - paid.count, of: considered.count, is: 0.2, within: 0.015, "orders without payment")
        assertRate(orphans.count, of: considered.count, is: 0.05, within: 0.008, "orphan payments per order")

        // Clock skew: payments stamped before their order, by at most clock_skew_ms.
        let delays = paid.map { $0.time - considered[$0.order]! }
        let skewed = delays.filter { $0 < 0 }
        assertRate(skewed.count, of: paid.count, is: 0.1, within: 0.015, "payments before their order")
        XCTAssertGreaterThanOrEqual(skewed.min() ?? 0, -4000, "skew beyond clock_skew_ms")

        // The delay distribution: exponential from 1 s, mean 20 s, cut at 90 s.
        let onTime = delays.filter { $0 >= 0 }
        XCTAssertGreaterThanOrEqual(onTime.min()!, 1000)
        XCTAssertLessThanOrEqual(onTime.max()!, 90000)
        let mean = Double(onTime.reduce(0, +)) / Double(onTime.count)
        // min + (mean - min) * (1 - e^(-(max - min) / (mean - min))) for the cut exponential.
        XCTAssertEqual(mean, 1000 + 19000 * (1 - exp(-89000.0 / 19000)), accuracy: 700, "mean delay")
        let median = onTime.sorted()[onTime.count / 2]
        XCTAssertLessThan(Double(median), mean, "an exponential's median is below its mean")
    }

    func testTwoManifestsMakeTheSameStreamsAsOne() throws {
        try generateBoth()
        for (profile, file) in [("orders", "orders.ndjson"), ("payments", "payments.ndjson")] {
            _ = try TestSupport.run("""
            sources:
              alone: \(source(profile))
            sinks:
              out: \(sink("alone", "alone-" + file))
            """, dir: dir)
            XCTAssertEqual(try String(contentsOfFile: "\(dir)/alone-\(file)", encoding: .utf8),
                           try String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8), profile)
        }
    }

    /// The stream as a value: arrival order within the disorder bound, and the plan shared by both streams.
    func testShopStreamWithoutIO() throws {
        let shop = try Shop(Config(json: #"{"disorder_ms": 500, "clock_skew_ratio": 0.3, "clock_skew_ms": 800, "missing_payment_ratio": 0}"#))
        var payments = ShopStream(.payments, shop: shop, seed: 1, start: 0, interval: 100)
        var orders = ShopStream(.orders, shop: shop, seed: 1, start: 0, interval: 100)
        var newest = Int64.min / 2
        var paidOrders = Set<Int64>()
        for _ in 0 ..< 5000 {
            let r = payments.next()
            XCTAssertGreaterThanOrEqual(r.time, newest - 500)
            newest = max(newest, r.time)
            guard case let .payment(p) = r.item else { return XCTFail("a payments stream made \(r.item)") }
            XCTAssertFalse(p.orphan)
            XCTAssertTrue(paidOrders.insert(p.order).inserted, "order \(p.order) paid twice")
        }
        XCTAssertGreaterThan(paidOrders.count, 4000)
        let made = (0 ..< 3000).map { _ in orders.next() }
        XCTAssertEqual(Set(made.map(\.item)), Set((0 ..< 3000).map { ShopStream.Item.order($0) }), "orders are made once each, none skipped")
        XCTAssertNotEqual(made.map(\.item), (0 ..< 3000).map { .order($0) }, "disorder_ms shuffles orders")
    }

    func testConfigMistakesAreRefused() throws {
        for config in ["{profile: people, shop: {}}", "{profile: orders, interval_ms: 0}",
                       "{profile: payments, shop: {payment_delay: {min_ms: 5000, max_ms: 1000}}}",
                       "{profile: payments, shop: {payment_delay: {distribution: exponential, mean_ms: 1, min_ms: 10, max_ms: 100}}}",
                       "{profile: payments, shop: {missing_payment_ratio: 2}}", "{profile: payments, shop: {surprise: 1}}"] {
            XCTAssertThrowsError(try TestSupport.plan("""
            sources:
              gen: {use: faker.generate, config: \(config)}
            sinks:
              out: {use: file.write, inputs: [gen], config: {path: \(dir)/x.ndjson}}
            """, dir: dir), config)
        }
    }
}
