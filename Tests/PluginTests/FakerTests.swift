import FakerPlugin
import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

final class FakerTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("faker") }

    private func generate(_ config: String, to name: String, maxRecords: Int? = nil) throws {
        _ = try TestSupport.run("""
        sources:
          gen:
            use: faker.generate
            config: \(config)
        sinks:
          out:
            use: file.write
            inputs: [gen]
            config: {path: \(dir)/\(name), append: false}
        """, dir: dir, maxRecords: maxRecords)
    }

    func testSameSeedSameOutputAcrossBatchSizes() throws {
        for profile in ["beach_sensor", "orders", "payments", "people"] {
            try generate("{profile: \(profile), seed: 11, count: 500, malformed_ratio: 0.1, late_ratio: 0.1}", to: "a.ndjson")
            try generate("{profile: \(profile), seed: 11, count: 500, malformed_ratio: 0.1, late_ratio: 0.1}", to: "b.ndjson")
            try generate("{profile: \(profile), seed: 12, count: 500, malformed_ratio: 0.1, late_ratio: 0.1}", to: "c.ndjson")
            let a = try String(contentsOfFile: dir + "/a.ndjson", encoding: .utf8)
            XCTAssertEqual(a.split(separator: "\n").count, 500, profile)
            XCTAssertEqual(a, try String(contentsOfFile: dir + "/b.ndjson", encoding: .utf8), profile)
            XCTAssertNotEqual(a, try String(contentsOfFile: dir + "/c.ndjson", encoding: .utf8), profile)
        }
    }

    /// Generates `n` values of one provider directly.
    private func values(_ spec: JSONValue, _ n: Int = 300) throws -> [JSONValue] {
        let provider = try Provider(spec.object!, field: "f")
        var random = SeededRandom(seed: 1)
        return (0 ..< n).map { i in
            var w = BSONWriter()
            provider.append(&w, "f", &random, index: Int64(i))
            let bytes = w.finish()
            return bytes.withUnsafeBytes { BSONDocument($0)["f"]!.jsonValue }
        }
    }

    private func strings(_ provider: String) throws -> [String] {
        try values(["provider": .string(provider)]).map { $0.string! }
    }

    func testEveryProvider() throws {
        func matches(_ s: String, _ pattern: String) -> Bool { s.range(of: pattern, options: .regularExpression) != nil }
        XCTAssertTrue(try strings("first_name").allSatisfy { !$0.isEmpty && !$0.contains(" ") })
        XCTAssertTrue(try strings("last_name").allSatisfy { !$0.isEmpty })
        XCTAssertTrue(try strings("full_name").allSatisfy { $0.split(separator: " ").count == 2 })
        XCTAssertTrue(try strings("email").allSatisfy { matches($0, "^[a-z.]+[0-9]+@[a-z]+\\.[a-z]+$") })
        XCTAssertTrue(try strings("phone").allSatisfy { matches($0, "^\\+1-[0-9]{3}-555-[0-9]{4}$") })
        XCTAssertTrue(try strings("street_address").allSatisfy { matches($0, "^[0-9]+ [A-Za-z ]+ [A-Za-z]+$") })
        XCTAssertTrue(try strings("city").allSatisfy { !$0.isEmpty })
        XCTAssertTrue(try strings("country").allSatisfy { !$0.isEmpty })
        XCTAssertTrue(try strings("postcode").allSatisfy { matches($0, "^[0-9]{5}$") })
        XCTAssertTrue(try strings("company").allSatisfy { $0.contains(" ") })
        XCTAssertTrue(try strings("job").allSatisfy { !$0.isEmpty })
        let uuids = try strings("uuid")
        XCTAssertTrue(uuids.allSatisfy { matches($0, "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$") })
        XCTAssertEqual(Set(uuids).count, uuids.count)
        XCTAssertTrue(try strings("ipv4").allSatisfy { s in
            let p = s.split(separator: ".").compactMap { Int($0) }
            return p.count == 4 && p.allSatisfy { (0 ... 255).contains($0) }
        })
        XCTAssertTrue(try strings("user_agent").allSatisfy { $0.contains("/") })
        XCTAssertTrue(try values(["provider": "latitude"]).allSatisfy { (-90 ... 90).contains($0.number!) })
        XCTAssertTrue(try values(["provider": "longitude"]).allSatisfy { (-180 ... 180).contains($0.number!) })
        let dates = try values(["provider": "date_time", "start": "2015-01-01T00:00:00Z", "end": "2015-01-02T00:00:00Z"])
        XCTAssertTrue(dates.allSatisfy { d in
            guard let text = d["$date"]?.string, let ms = ISO8601.parse(text) else { return false }
            return (1_420_070_400_000 ... 1_420_156_800_000).contains(ms)
        })
        let ints = try values(["provider": "integer", "min": 5, "max": 7]).map { $0.integer! }
        XCTAssertEqual(Set(ints), [5, 6, 7])
        XCTAssertTrue(try values(["provider": "float", "min": 1, "max": 2, "decimals": 1]).allSatisfy { v in
            let x = v.number!
            return (1 ... 2).contains(x) && (x * 10).rounded() == x * 10
        })
        XCTAssertEqual(Set(try values(["provider": "choice", "values": ["a", "b"]]).map { $0.string! }), ["a", "b"])
        let weighted = try values(["provider": "weighted_choice", "values": ["x", "y"], "weights": [9, 1]], 2000).filter { $0 == "x" }.count
        XCTAssertTrue((1700 ... 1900).contains(weighted), "\(weighted) of 2000 should be about 1800")
        XCTAssertTrue(try strings("words").allSatisfy { $0.split(separator: " ").count == 3 })
        XCTAssertTrue(try values(["provider": "sentence", "words": 5]).allSatisfy { s in
            let t = s.string!
            return t.hasSuffix(".") && t.first!.isUppercase && t.split(separator: " ").count == 5
        })
        let trues = try values(["provider": "boolean", "probability": 0.25], 2000).filter { $0 == true }.count
        XCTAssertTrue((400 ... 600).contains(trues), "\(trues)")
        XCTAssertEqual(try values(["provider": "sequence", "start": 100], 3).map { $0.integer! }, [100, 101, 102])
        XCTAssertEqual(try values(["provider": "constant", "value": ["k": 1]], 2), [["k": 1], ["k": 1]])
        XCTAssertThrowsError(try Provider((["provider": "nope"] as JSONValue).object!, field: "f"))
        XCTAssertThrowsError(try Provider((["provider": "integer", "min": 5, "max": 1] as JSONValue).object!, field: "f"))
    }

    func testProfiles() throws {
        try generate("{profile: beach_sensor, seed: 2, count: 60}", to: "beach.ndjson")
        let readings = try TestSupport.readNDJSON(dir + "/beach.ndjson")
        XCTAssertEqual(Set(readings.compactMap { $0["Beach"]?.string }).count, 6)
        for r in readings {
            let parts = r["RawData"]!.string!.split(separator: " ")
            XCTAssertEqual(parts.count, 6)
            XCTAssertEqual(Double(parts[1]), r["WaterTemperature"]?.number)
            XCTAssertEqual(Int64(parts[5]), r["MeasurementID"]?.integer)
            XCTAssertEqual(String(parts[4]), r["Beach"]!.string!.replacingOccurrences(of: " ", with: "_"))
            XCTAssertNotNil(r["TimeStamp"]?["$date"])
        }
        // Payments come up to a minute (60 orders) after their order: 400 orders cover 300 payments.
        try generate("{profile: orders, seed: 3, count: 400}", to: "orders.ndjson")
        try generate("{profile: payments, seed: 3, count: 300}", to: "payments.ndjson")
        let orderIDs = Set(try TestSupport.readNDJSON(dir + "/orders.ndjson").map { $0["order_id"]!.string! })
        let payments = try TestSupport.readNDJSON(dir + "/payments.ndjson")
        XCTAssertTrue(payments.allSatisfy { orderIDs.contains($0["order_id"]!.string!) }, "a payment refers to an order that was never made")
    }

    func testRateHoldsWithinFivePercent() throws {
        var counted = 0
        _ = try TestSupport.run("""
        engine: {batch: {max_records: 1000, max_wait_ms: 10}}
        sources:
          gen:
            use: faker.generate
            config: {profile: people, seed: 1, rate: 1000}
        sinks:
          out:
            use: file.write
            inputs: [gen]
            config: {path: /dev/null}
        """, dir: dir) { engine in
            func read() -> Int { engine.stageMetrics.first { $0.name == "gen" }?.snapshot.recordsIn ?? 0 }
            while read() == 0 { usleep(1000) }
            let start = read()
            let t0 = Date()
            Thread.sleep(forTimeInterval: 2)
            let elapsed = Date().timeIntervalSince(t0)
            counted = Int(Double(read() - start) * 2 / elapsed)
            engine.stop()
        }
        XCTAssertTrue((1900 ... 2100).contains(counted), "\(counted) records in 2 s at 1000/s")
    }
}
