import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The mongodb sink against a real MongoDB wire-protocol server (nx-27017).
final class MongoTests: XCTestCase {
    var dir = ""
    var server: ManagedServer!
    var uri: String { "mongodb://127.0.0.1:\(server.port)" }

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("mongo")
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        server = try ManagedServer.mongo(dataDir: dir + "/data", logDir: dir)
        try server.start()
    }

    override func tearDown() {
        server?.stop()
    }

    private func pipeline(source: String, mode: String = "insert", key: String? = nil, extra: String = "", processors: String = "", input: String = "gen") -> String {
        """
        engine: {initial_backoff_ms: 50, max_backoff_ms: 500, dead_letter_path: \(dir)/dead.ndjson}
        sources:
          gen:
        \(source)
        \(processors)
        sinks:
          mongo:
            use: mongodb.write
            inputs: [\(input)]
            config:
              uri: \(uri)
              database: beach
              collection: readings
              mode: \(mode)
        \(key.map { "      key: [\($0)]" } ?? "")
        \(extra)
        """
    }

    func testValidatedReadingsArriveWithTheSeedTypes() throws {
        let summary = try TestSupport.run(pipeline(source: """
            use: faker.generate
            config: {profile: beach_sensor, seed: 21, count: 400, malformed_ratio: 0.1}
        """, processors: """
        processors:
          clean:
            use: validator.validate
            inputs: [gen]
            config:
              parse: {field: RawData, names: [ReadingTime, WaterTemperature, Turbidity, BatteryLife, BeachCode, MeasurementID], drop_source: false}
              coerce: {WaterTemperature: number, Turbidity: number, BatteryLife: number, MeasurementID: integer, ReadingTime: date}
              schema: {required: [Beach], properties: {Turbidity: {minimum: 0}}}
        """, input: "clean"), dir: dir)
        let docs = try MongoProbe(uri: uri, database: "beach", collection: "readings").documents()
        let dead = TestSupport.lineCount(dir + "/dead.ndjson")
        XCTAssertEqual(docs.count + dead, 400)
        XCTAssertEqual(summary.stage("mongo")?.recordsOut, docs.count)
        XCTAssertGreaterThan(docs.count, 300)
        for bytes in docs {
            bytes.withUnsafeBytes { raw in
                let d = BSONDocument(raw)
                XCTAssertEqual(d["_id"]?.type, .objectId)
                XCTAssertEqual(d["Beach"]?.type, .string)
                // The sink sends int64 (the validator's coercion); nx-27017 keeps
                // no integer width (SQLite) and returns int32 when the value fits.
                XCTAssertTrue([.int64, .int32].contains(d["MeasurementID"]?.type), "\(String(describing: d["MeasurementID"]?.type))")
                XCTAssertEqual(d["BatteryLife"]?.type, .double)
                XCTAssertEqual(d["WaterTemperature"]?.type, .double)
                XCTAssertEqual(d["Turbidity"]?.type, .double)
                XCTAssertEqual(d["TimeStamp"]?.type, .datetime)
                XCTAssertEqual(d["RawData"]?.type, .string)
                let parts = d["RawData"]!.string!.split(separator: " ")
                XCTAssertEqual(Int64(parts[5]), d["MeasurementID"]?.integer)
            }
        }
    }

    func testUpsertTwiceLeavesOneDocumentPerKey() throws {
        let yaml = pipeline(source: """
            use: faker.generate
            config: {profile: beach_sensor, seed: 5, count: 300}
        """, mode: "upsert", key: "MeasurementID")
        _ = try TestSupport.run(yaml, dir: dir)
        _ = try TestSupport.run(yaml, dir: dir)
        let docs = try MongoProbe(uri: uri, database: "beach", collection: "readings").documents()
        XCTAssertEqual(docs.count, 300)
        let ids = Set(docs.compactMap { $0.withUnsafeBytes { BSONDocument($0)["MeasurementID"]?.integer } })
        XCTAssertEqual(ids.count, 300, docs.first.map { $0.withUnsafeBytes { JSONWriter.string(BSONDocument($0)) } } ?? "")
    }

    func testUniqueIndexDuplicatesAreDeadLetteredWithCode11000() throws {
        let summary = try TestSupport.run(pipeline(source: """
            use: faker.generate
            config:
              seed: 8
              count: 200
              fields:
                sku: {provider: integer, min: 1, max: 50}
                qty: {provider: integer, min: 1, max: 9}
        """, extra: """
              indexes: [{keys: {sku: 1}, unique: true}]
        """), dir: dir)
        let docs = try MongoProbe(uri: uri, database: "beach", collection: "readings").documents()
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        let distinct = Set(docs.compactMap { $0.withUnsafeBytes { BSONDocument($0)["sku"]?.integer } })
        XCTAssertEqual(distinct.count, docs.count, "the unique index let a duplicate in")
        XCTAssertEqual(docs.count + dead.count, 200)
        XCTAssertEqual(summary.stage("mongo")?.deadLettered, dead.count)
        XCTAssertGreaterThan(dead.count, 100)
        for d in dead {
            XCTAssertTrue(d["reason"]?.string?.hasPrefix("MongoDB error 11000:") ?? false, "\(d)")
            XCTAssertTrue(distinct.contains(d["record"]?["sku"]?.integer ?? -1))
        }
    }

    /// An ordered bulk stops at its first failed document: the documents
    /// after it are sent again, in order, not counted as written unsent.
    func testOrderedBulkWritesEveryDocumentAfterADuplicate() throws {
        let summary = try TestSupport.run(pipeline(source: """
            use: faker.generate
            config:
              seed: 3
              count: 60
              fields:
                sku: {provider: integer, min: 1, max: 45}
        """, extra: """
              ordered: true
              indexes: [{keys: {sku: 1}, unique: true}]
        """), dir: dir)
        let docs = try MongoProbe(uri: uri, database: "beach", collection: "readings").documents()
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        let distinct = Set(docs.compactMap { $0.withUnsafeBytes { BSONDocument($0)["sku"]?.integer } })
        XCTAssertEqual(distinct.count, docs.count, "the unique index let a duplicate in")
        XCTAssertGreaterThan(dead.count, 5)
        XCTAssertEqual(docs.count + dead.count, 60, "documents after a failed one were acknowledged unwritten")
        XCTAssertEqual(summary.stage("mongo")?.recordsOut, docs.count)
        for d in dead { XCTAssertTrue(d["reason"]?.string?.hasPrefix("MongoDB error 11000:") ?? false, "\(d)") }
    }

    func testServerKilledMidRunLosesNothing() throws {
        let port = server.port
        let total = 3000
        var killedAndBack = false
        let summary = try TestSupport.run(pipeline(source: """
            use: faker.generate
            config: {profile: beach_sensor, seed: 13, count: \(total), rate: 1500}
        """, mode: "upsert", key: "MeasurementID"), dir: dir) { _ in
            Thread.sleep(forTimeInterval: 0.7)
            self.server.kill()
            Thread.sleep(forTimeInterval: 1.0)
            do {
                self.server = try ManagedServer.mongo(dataDir: self.dir + "/data", port: port, logDir: self.dir)
                try self.server.start()
                killedAndBack = true
            } catch {
                XCTFail("restart failed: \(error)")
            }
        }
        XCTAssertTrue(killedAndBack)
        XCTAssertGreaterThan(summary.stage("mongo")?.retries ?? 0, 0, "the outage was not noticed: \(summary.stages.map { "\($0.name) \($0.recordsIn)/\($0.recordsOut)/\($0.retries)" })")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"), "records were dead-lettered")
        let docs = try MongoProbe(uri: uri, database: "beach", collection: "readings").documents()
        let ids = docs.compactMap { $0.withUnsafeBytes { BSONDocument($0)["MeasurementID"]?.integer } }
        XCTAssertEqual(docs.count, total, "every key exactly once")
        XCTAssertEqual(ids.count, total, docs.first.map { $0.withUnsafeBytes { JSONWriter.string(BSONDocument($0)) } } ?? "")
        XCTAssertEqual(Set(ids), Set((0 ..< Int64(total)).map { 758_000 + $0 }))
    }

    /// SIGTERM while the sink's server is dead: `sluice` exits within
    /// `drain_timeout_ms` (+ 2 s), and every reading it read is either in
    /// MongoDB (checked after a restart) or in the dead-letter file.
    func testDrainIsBoundedWhenTheSinkServerIsKilled() throws {
        let port = server.port
        let manifest = dir + "/drain.yaml"
        try pipeline(source: """
            use: faker.generate
            config: {profile: beach_sensor, seed: 21, rate: 1000}
        """, mode: "upsert", key: "MeasurementID").replacingOccurrences(of: "engine: {", with: "engine: {drain_timeout_ms: 2000, ")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let log = dir + "/drain.log"
        let p = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: log)
        Thread.sleep(forTimeInterval: 1.5)
        server.kill()
        Thread.sleep(forTimeInterval: 0.5)
        let signalled = Date()
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let took = Date().timeIntervalSince(signalled)
        let output = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertLessThan(took, 2.0 + 2.0, "the drain outlived drain_timeout_ms: \(output)")
        let read = try XCTUnwrap(output.range(of: "; read ").flatMap { Int(output[$0.upperBound...].prefix { $0.isNumber }) }, output)
        server = try ManagedServer.mongo(dataDir: dir + "/data", port: port, logDir: dir)
        try server.start()
        let stored = try MongoProbe(uri: uri, database: "beach", collection: "readings").documents()
            .compactMap { $0.withUnsafeBytes { BSONDocument($0)["MeasurementID"]?.integer } }
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson").compactMap { $0["record"]?["MeasurementID"]?.integer }
        XCTAssertGreaterThan(dead.count, 0, "the outage left nothing unwritten? \(output)")
        let deadText = try String(contentsOfFile: dir + "/dead.ndjson", encoding: .utf8)
        XCTAssertTrue(deadText.contains("not written before the drain timeout"), String(deadText.prefix(500)))
        let missing = Set((0 ..< Int64(read)).map { 758_000 + $0 }).subtracting(stored).subtracting(dead)
        XCTAssertTrue(missing.isEmpty, "\(missing.count) of \(read) readings are neither in MongoDB nor dead-lettered")
    }

    /// A source that can read far faster than the sink writes, and the
    /// sink's server dead for 5 s: the inboxes fill, the source blocks, and
    /// the host's resident memory stays within a bound set by the queue
    /// sizes instead of growing with what the source could have read. Once
    /// the server is back, every reading read is in MongoDB.
    func testMemoryStaysBoundedWhileTheSinkIsDown() throws {
        let port = server.port
        let manifest = dir + "/bounded.yaml"
        try pipeline(source: """
            use: faker.generate
            config: {profile: beach_sensor, seed: 5}
        """, mode: "upsert", key: "MeasurementID")
            .replacingOccurrences(of: "engine: {", with: "engine: {queue_capacity: 2, batch: {max_records: 200, max_wait_ms: 50}, ")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let log = dir + "/bounded.log"
        let p = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: log)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        func rssMiB() -> Double {
            let status = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
        }
        Thread.sleep(forTimeInterval: 2)
        let before = rssMiB()
        server.kill()
        var peak = before
        for _ in 0 ..< 25 {
            Thread.sleep(forTimeInterval: 0.2)
            peak = max(peak, rssMiB())
        }
        server = try ManagedServer.mongo(dataDir: dir + "/data", port: port, logDir: dir)
        try server.start()
        Thread.sleep(forTimeInterval: 1)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let output = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertGreaterThan(before, 0, "no RSS read for the host")
        // Two batches of 200 readings per inbox are well under a MiB; 64 MiB of
        // growth would mean the source kept reading into memory.
        XCTAssertLessThan(peak - before, 64, "RSS grew from \(before) to \(peak) MiB while the sink was down:\n\(output.suffix(2000))")
        let read = try XCTUnwrap(output.range(of: "; read ").flatMap { Int(output[$0.upperBound...].prefix { $0.isNumber }) }, output)
        let stored = Set(try MongoProbe(uri: uri, database: "beach", collection: "readings").documents()
            .compactMap { $0.withUnsafeBytes { BSONDocument($0)["MeasurementID"]?.integer } })
        let dead = Set(((try? TestSupport.readNDJSON(dir + "/dead.ndjson")) ?? []).compactMap { $0["record"]?["MeasurementID"]?.integer })
        let missing = Set((0 ..< Int64(read)).map { 758_000 + $0 }).subtracting(stored).subtracting(dead)
        XCTAssertTrue(missing.isEmpty, "\(missing.count) of \(read) readings are neither in MongoDB nor dead-lettered")
        print("sink down 5 s: RSS \(before) MiB before, peak \(peak) MiB; \(read) read, \(stored.count) stored")
    }

    /// Plans and runs one record into a mongodb sink with `config`, expecting
    /// validation or the start to fail; returns the error text.
    private func startupError(_ config: String) throws -> String {
        do {
            let plan = try TestSupport.plan("""
        engine: {startup_timeout_ms: 1000, initial_backoff_ms: 100}
        sources:
          gen: {use: faker.generate, config: {profile: people, count: 1}}
        sinks:
          mongo:
            use: mongodb.write
            inputs: [gen]
            config: \(config)
        """, dir: dir)
            _ = try Engine(plan: plan, logger: TestSupport.quietLogger).run()
        } catch {
            return "\(error)"
        }
        XCTFail("the pipeline started with \(config)")
        return ""
    }

    func testStartupErrorsAreClear() throws {
        let badURI = try startupError(#"{uri: "postgres://nope", database: d, collection: c}"#)
        XCTAssertTrue(badURI.contains("sinks.mongo.config.uri: Invalid URI Schema"), badURI)
        let closed = try ManagedServer.freePort()
        let unreachable = try startupError(
            "{uri: \"mongodb://user:secret@127.0.0.1:\(closed)/?serverSelectionTimeoutMS=200\", database: d, collection: c}")
        XCTAssertTrue(unreachable.contains("not ready after 1000 ms: cannot reach MongoDB at mongodb://user:***@127.0.0.1:\(closed)"), unreachable)
        XCTAssertFalse(unreachable.contains("secret"))
    }

    func testValidateCatchesConfigErrors() throws {
        XCTAssertThrowsError(try TestSupport.plan("""
        sources:
          gen: {use: faker.generate, config: {profile: people, count: 1}}
        sinks:
          mongo:
            use: mongodb.write
            inputs: [gen]
            config: {uri: "mongodb://x", database: d, collection: c, mode: upsert, colection: y}
        """, dir: dir)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("sinks.mongo.config.colection: unknown config key; did you mean 'collection'?"), text)
            XCTAssertTrue(text.contains("sinks.mongo.config: missing required property \"key\""), text)
        }
    }
}
