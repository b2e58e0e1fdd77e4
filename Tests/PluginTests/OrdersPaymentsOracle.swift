import Foundation
import SluiceSDK
import SluiceTestSupport

/// The seed's left join (`paid_at` in [`created_at`, `created_at` + 2 min]),
/// worked out by brute force over the orders and payments the test
/// produced, and read back from MongoDB; both as "order_id payment_id"
/// strings, "-" for an unpaid order.
enum OrdersPaymentsOracle {
    private struct Row { let id: String, key: String, time: Int64 }

    static func leftJoin(orders: [String], payments: [String], upperMillis: Int64 = 120_000) throws -> Set<String> {
        func rows(_ files: [String], _ id: String, _ time: String) throws -> [Row] {
            try files.flatMap { file in
                try TestSupport.readNDJSON(file).map {
                    Row(id: $0[id]!.string!, key: $0["order_id"]!.string!, time: ISO8601.parse($0[time]!["$date"]!.string!)!)
                }
            }
        }
        let paid = Dictionary(grouping: try rows(payments, "payment_id", "paid_at"), by: \.key)
        var expected = Set<String>()
        for o in try rows(orders, "order_id", "created_at") {
            let matches = (paid[o.key] ?? []).filter { $0.time >= o.time && $0.time <= o.time + upperMillis }
            if matches.isEmpty { expected.insert("\(o.id) -") }
            for p in matches { expected.insert("\(o.id) \(p.id)") }
        }
        return expected
    }

    /// The pairs in the seed's collection, one string per document.
    static func stored(uri: String) throws -> [String] {
        try MongoProbe(uri: uri, database: "shop", collection: "paid_orders").documents().map { bytes in
            bytes.withUnsafeBytes { raw -> String in
                let d = BSONDocument(raw)
                let order = d["order"]?.document?["order_id"]?.string ?? "?"
                let payment = d["payment"]?.document?["payment_id"]?.string ?? "-"
                return "\(order) \(payment)"
            }
        }
    }
}

/// The seed's join as the Kafka tests run it (README "Kafka partitions"):
/// one `kafka.read` of both topics, so one consumer holds partition p of
/// both, and a left join whose sides take their records by topic.
enum OrdersPaymentsJoin {
    /// `sources:` and `processors:`; `consumer` adds kafka.read settings, `join` join settings (YAML flow items).
    static func manifest(brokers: String, group: String, consumer: String = "", upperMillis: Int = 120_000,
                         outOfOrdernessMillis: Int = 5000, join: String = "") -> String
    {
        """
        sources:
          events:
            use: kafka.read
            config: {brokers: "\(brokers)", group: \(group), topics: [orders, payments], metadata_field: kafka\(consumer.isEmpty ? "" : ", " + consumer)}
        processors:
          paid:
            use: join.join
            inputs: [events]
            config:
              type: left
              left: {input: events, when: {field: kafka.topic, equals: orders}, key: order_id, time: {field: created_at, format: iso8601}, as: order}
              right: {input: events, when: {field: kafka.topic, equals: payments}, key: order_id, time: {field: paid_at, format: iso8601}, as: payment}
              between: {lower_ms: 0, upper_ms: \(upperMillis)}
              max_out_of_orderness_ms: \(outOfOrdernessMillis)
        \(join.isEmpty ? "" : "      " + join + "\n")
        """
    }
}

/// The servers the orders/payments tests write through: a Kafka-protocol
/// broker and a MongoDB server on 127.0.0.1, started.
struct ShopServers {
    let kafka: ManagedServer
    let mongo: ManagedServer
    var brokers: String { "127.0.0.1:\(kafka.port)" }
    var uri: String { "mongodb://127.0.0.1:\(mongo.port)" }

    init(dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir + "/mongo", withIntermediateDirectories: true)
        kafka = try ManagedServer.kafka(logDir: dir)
        mongo = try ManagedServer.mongo(dataDir: dir + "/mongo", logDir: dir)
        do {
            try kafka.start()
            try mongo.start()
        } catch {
            stop()
            throw error
        }
    }

    func stop() { [kafka, mongo].forEach { $0.stop() } }
}
