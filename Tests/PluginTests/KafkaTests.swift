import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The kafka source and sink against a real Kafka-protocol broker (tansu).
final class KafkaTests: XCTestCase {
    var dir = ""
    var broker: ManagedServer!
    var brokers: String { "127.0.0.1:\(broker.port)" }
    /// Fast group joins: a group settles after about half the session timeout.
    let groupTimings = "session_timeout_ms: 1000, heartbeat_interval_ms: 300"

    override func setUpWithError() throws {
        try ManagedServer.requireTestRdKafka()
        dir = TestSupport.tempDir("kafka")
        broker = try ManagedServer.kafka(logDir: dir)
        try broker.start()
    }

    override func tearDown() {
        broker?.stop()
    }

    private func produce(_ faker: String, topic: String, sink extra: String = "") throws -> RunSummary {
        try TestSupport.run("""
        engine: {initial_backoff_ms: 50, max_backoff_ms: 500, dead_letter_path: \(dir)/produce-dead.ndjson}
        sources:
          gen:
            use: faker.generate
            config: \(faker)
        sinks:
          kafka:
            use: kafka.write
            inputs: [gen]
            config: {brokers: "\(brokers)", topic: \(topic)\(extra)}
        """, dir: dir)
    }

    private func consumeYAML(topic: String, group: String, out: String, extra: String = "") -> String {
        """
        engine: {dead_letter_path: \(dir)/consume-dead.ndjson, state_dir: \(dir)/state, batch: {max_records: 100, max_wait_ms: 50}}
        sources:
          kafka:
            use: kafka.read
            config: {brokers: "\(brokers)", group: \(group), topics: [\(topic)], \(groupTimings)\(extra)}
        sinks:
          out:
            use: file.write
            inputs: [kafka]
            config: {path: \(out)}
        """
    }

    /// Produces into partition 0 of `topic` with kcat: `arguments` say what
    /// (`-l FILE` for its lines, or files each sent whole).
    private func kcat(_ topic: String, _ arguments: [String]) throws {
        let run = try TestSupport.runProcess("/usr/bin/kcat", ["-P", "-b", brokers, "-t", topic, "-p", "0"] + arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
    }

    private func consume(topic: String, group: String, count: Int, out: String, extra: String = "") throws -> RunSummary {
        try TestSupport.run(consumeYAML(topic: topic, group: group, out: out, extra: extra), dir: dir, maxRecords: count)
    }

    func testRoundTripOfKeysHeadersAndBodiesWithEveryCodec() throws {
        _ = try TestSupport.run("""
        sources:
          gen: {use: faker.generate, config: {profile: orders, seed: 4, count: 150}}
        sinks:
          out: {use: file.write, inputs: [gen], config: {path: \(dir)/expected.ndjson}}
        """, dir: dir)
        let expected = Dictionary(uniqueKeysWithValues: try TestSupport.readNDJSON(dir + "/expected.ndjson").map { ($0["order_id"]!.string!, $0) })
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
            let topic = "orders-\(codec)"
            let produced = try produce("{profile: orders, seed: 4, count: 150}", topic: topic,
                                       sink: ", compression: \(codec), headers: {status: status, currency: currency}")
            XCTAssertEqual(produced.stage("kafka")?.recordsOut, 150, codec)
            let out = dir + "/\(codec).ndjson"
            let read = try consume(topic: topic, group: "g-\(codec)", count: 150, out: out, extra: ", metadata_field: _kafka")
            XCTAssertEqual(read.read, 150, codec)
            let records = try TestSupport.readNDJSON(out)
            XCTAssertEqual(records.count, 150, codec)
            for r in records {
                let id = r["order_id"]!.string!
                var body = r.object!
                let meta = body["_kafka"]!
                body["_kafka"] = nil
                XCTAssertEqual(.object(body), expected[id], "\(codec): body of \(id)")
                XCTAssertEqual(meta["key"]?.string, id, "\(codec): the key is the order id")
                XCTAssertEqual(meta["headers"]?["status"]?.string, r["status"]?.string, codec)
                XCTAssertEqual(meta["headers"]?["currency"]?.string, r["currency"]?.string, codec)
                XCTAssertEqual(meta["topic"]?.string, topic)
            }
        }
    }

    /// Seed fidelity: a raw line goes to Kafka as the line itself
    /// (`format: text`), dates as ISO 8601 or epoch ms for consumers that do
    /// not read Extended JSON.
    func testTextValuesAndDateFormats() throws {
        let raw = "2013-08-30T08:00:00.000000 20.3 1.18 9.4 Montrose_Beach 1"
        _ = try produce("{fields: {RawData: {provider: constant, value: \"\(raw)\"}}, count: 3}", topic: "raw",
                        sink: ", format: text, text_field: RawData")
        _ = try consume(topic: "raw", group: "raw", count: 3, out: dir + "/raw.ndjson", extra: ", format: text, text_field: line")
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/raw.ndjson").map { $0["line"]?.string }, Array(repeating: raw, count: 3))

        for (format, check) in [("iso8601", { (v: JSONValue?) in v?.string?.hasSuffix("Z") == true }),
                                ("epoch_ms", { (v: JSONValue?) in v?.integer.map { $0 > 1_000_000_000_000 } == true }),
                                ("extended", { (v: JSONValue?) in v?["$date"] != nil })] {
            _ = try produce("{profile: orders, seed: 1, count: 5}", topic: "dates-\(format)", sink: ", date_format: \(format)")
            let out = dir + "/dates-\(format).ndjson"
            _ = try consume(topic: "dates-\(format)", group: "d-\(format)", count: 5, out: out, extra: ", format: text, text_field: json")
            for r in try TestSupport.readNDJSON(out) {
                let value = try JSONParser.parse(r["json"]!.string!)
                XCTAssertTrue(check(value["created_at"]), "\(format): \(r)")
            }
        }
    }

    /// A json value that decoded as it is travels with its record as its
    /// text (ABI 1.6): file.write writes it and kafka.write sends it byte for
    /// byte; a value spread over lines, one read with `metadata_field`, and
    /// `normalize: true` are encoded from the document.
    func testJSONValuesPassThroughAsTheirOwnText() throws {
        let lines = [#"{"a": 1, "b" : [2.50, 1e3]}"#, #"{"s":"\u00e9 \"q\" é 日本"}"#]
        let input = dir + "/texts.txt"
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        try kcat("texts", ["-l", input])
        let pretty = dir + "/pretty.json"
        try "{\n  \"p\": 1\n}".write(toFile: pretty, atomically: true, encoding: .utf8)
        try kcat("texts", [pretty])
        let passed = lines.map { $0 + "\n" }.joined() + #"{"p":1}"# + "\n"

        _ = try consume(topic: "texts", group: "texts-file", count: 3, out: dir + "/file.ndjson")
        XCTAssertEqual(try String(contentsOfFile: dir + "/file.ndjson", encoding: .utf8), passed)

        for (topic, extra) in [("texts-sent", ""), ("texts-normalized", ", normalize: true")] {
            _ = try TestSupport.run("""
            sources:
              in: {use: kafka.read, config: {brokers: "\(brokers)", group: \(topic), topics: [texts], \(groupTimings)}}
            sinks:
              out: {use: kafka.write, inputs: [in], config: {brokers: "\(brokers)", topic: \(topic)\(extra)}}
            """, dir: dir, maxRecords: 3)
            _ = try consume(topic: topic, group: topic + "-back", count: 3, out: dir + "/\(topic).ndjson", extra: ", format: text, text_field: v")
            // Sent without keys, so spread over the topic's partitions: read back in any order.
            let sent = try TestSupport.readNDJSON(dir + "/\(topic).ndjson").map { $0["v"]!.string! }.sorted()
            let expected = extra.isEmpty ? lines + [#"{"p":1}"#] : [#"{"a":1,"b":[2.5,1000.0]}"#, #"{"s":"é \"q\" é 日本"}"#, #"{"p":1}"#]
            XCTAssertEqual(sent, expected.sorted(), topic)
        }

        _ = try consume(topic: "texts", group: "texts-meta", count: 3, out: dir + "/meta.ndjson", extra: ", metadata_field: kafka")
        let withMetadata = try String(contentsOfFile: dir + "/meta.ndjson", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(withMetadata.count, 3)
        XCTAssertTrue(withMetadata.allSatisfy { $0.contains(#""kafka":{"#) }, "the document with its metadata, encoded: \(withMetadata)")
    }

    /// `event_time` reads a record's time from a field (here a local-time
    /// pattern); the sink writes it as the message timestamp. A value
    /// without a readable time goes to the dead-letter queue with the reason.
    func testEventTimeFromAFieldBecomesTheMessageTimestamp() throws {
        let input = dir + "/timed.txt"
        try "{\"n\":1,\"t\":\"05/26/2015 09:00:00 AM\"}\n{\"n\":2,\"t\":\"never\"}\n{\"n\":3,\"t\":\"12/01/2014 11:30:00 PM\"}\n"
            .write(toFile: input, atomically: true, encoding: .utf8)
        try kcat("timed", ["-l", input])
        let copied = try TestSupport.run("""
        engine: {dead_letter_path: \(dir)/timed-dead.ndjson}
        sources:
          in:
            use: kafka.read
            config: {brokers: "\(brokers)", group: timed, topics: [timed], \(groupTimings),
                     event_time: {field: t, format: "MM/dd/yyyy hh:mm:ss a", timezone: America/Chicago}}
        sinks:
          out: {use: kafka.write, inputs: [in], config: {brokers: "\(brokers)", topic: retimed}}
        """, dir: dir, maxRecords: 3)
        XCTAssertEqual(copied.read, 3)
        let dead = try TestSupport.readNDJSON(dir + "/timed-dead.ndjson")
        XCTAssertEqual(dead.count, 1)
        XCTAssertTrue(dead.first?["reason"]?.string?.contains("timed[0]@1: event_time: cannot read \"never\"") == true, "\(dead)")
        _ = try consume(topic: "retimed", group: "retimed", count: 2, out: dir + "/retimed.ndjson", extra: ", metadata_field: _kafka")
        let stamps = try TestSupport.readNDJSON(dir + "/retimed.ndjson").map { ($0["n"]!.integer!, $0["_kafka"]!["timestamp"]!["$date"]!.string!) }
            .sorted { $0.0 < $1.0 }
        XCTAssertEqual(stamps.map(\.0), [1, 3])
        // 09:00 CDT (UTC-5) and 23:30 CST (UTC-6).
        XCTAssertEqual(stamps.map(\.1), ["2015-05-26T14:00:00.000Z", "2014-12-02T05:30:00.000Z"])
    }

    func testGroupResumesFromCommittedOffsets() throws {
        try resumesFromCommittedOffsets(assignment: "group")
    }

    /// Static assignment skips the group join but keeps the group's positions.
    func testStaticAssignmentReadsEveryPartitionAndResumesFromCommittedOffsets() throws {
        try resumesFromCommittedOffsets(assignment: "static")
    }

    private func resumesFromCommittedOffsets(assignment: String) throws {
        let (topic, group, extra) = ("resume-\(assignment)", "resumer-\(assignment)", ", assignment: \(assignment)")
        _ = try produce("{profile: orders, seed: 9, count: 1000}", topic: topic)
        let first = try consume(topic: topic, group: group, count: 400, out: dir + "/a.ndjson", extra: extra)
        XCTAssertEqual(first.read, 400)
        let second = try consume(topic: topic, group: group, count: 600, out: dir + "/b.ndjson", extra: extra)
        XCTAssertEqual(second.read, 600)
        let ids = try (TestSupport.readNDJSON(dir + "/a.ndjson") + TestSupport.readNDJSON(dir + "/b.ndjson")).map { $0["order_id"]!.string! }
        XCTAssertEqual(ids.count, 1000)
        XCTAssertEqual(Set(ids).count, 1000, "a committed record was read again")
        let third = try TestSupport.run(consumeYAML(topic: topic, group: group, out: dir + "/c.ndjson", extra: extra), dir: dir) { engine in
            Thread.sleep(forTimeInterval: 3)
            engine.stop()
        }
        XCTAssertEqual(third.read, 0, "the \(assignment) consumer read past its committed offsets")
    }

    func testUndecodableValuesAreDeadLetteredWithPosition() throws {
        let input = dir + "/mixed.txt"
        try "{\"n\":1}\nnot json\n{\"n\":2}\n[1,2]\n".write(toFile: input, atomically: true, encoding: .utf8)
        try kcat("mixed", ["-l", input])
        let read = try consume(topic: "mixed", group: "mixed", count: 4, out: dir + "/good.ndjson")
        XCTAssertEqual(read.read, 4)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/good.ndjson").map { $0["n"]!.integer! }, [1, 2])
        let dead = try TestSupport.readNDJSON(dir + "/consume-dead.ndjson")
        XCTAssertEqual(dead.map { $0["record"]!["offset"]!.integer! }, [1, 3])
        XCTAssertEqual(dead.map { $0["record"]!["raw"]!.string! }, ["not json", "[1,2]"])
        XCTAssertTrue(dead[0]["reason"]!.string!.hasPrefix("mixed[0]@1: invalid JSON"), "\(dead[0])")
        XCTAssertEqual(dead[0]["record"]?["partition"]?.integer, 0)
    }

    /// Values that are not UTF-8 (a lone 0xFF, a truncated sequence), as
    /// real bytes through the broker: `utf8: reject` (the default)
    /// dead-letters exactly them with the byte; `replace` writes U+FFFD.
    func testInvalidUTF8ValuesFollowTheUTF8Policy() throws {
        let input = dir + "/utf8.txt"
        var bytes = Array(#"{"n":1,"s":"ok é"}"#.utf8) + [0x0A]
        bytes += Array(#"{"n":2,"s":"a"#.utf8) + [0xFF] + Array(#""}"#.utf8) + [0x0A]
        bytes += Array(#"{"n":3,"s":"b"#.utf8) + [0xE2, 0x82] + Array(#""}"#.utf8) + [0x0A]
        bytes += Array(#"{"n":4}"#.utf8) + [0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        try kcat("utf8", ["-l", input])

        let rejected = try consume(topic: "utf8", group: "utf8-reject", count: 4, out: dir + "/reject.ndjson")
        XCTAssertEqual(rejected.read, 4)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/reject.ndjson").map { $0["n"]!.integer! }, [1, 4])
        let dead = try TestSupport.readNDJSON(dir + "/consume-dead.ndjson")
        XCTAssertEqual(dead.map { $0["record"]!["offset"]!.integer! }, [1, 2])
        XCTAssertTrue(dead[0]["reason"]!.string!.hasPrefix("utf8[0]@1: invalid UTF-8 at byte 13"), "\(dead[0])")
        XCTAssertTrue(dead[1]["reason"]!.string!.hasPrefix("utf8[0]@2: invalid UTF-8 at byte 13"), "\(dead[1])")

        let replaced = try consume(topic: "utf8", group: "utf8-replace", count: 4, out: dir + "/replace.ndjson", extra: ", utf8: replace")
        XCTAssertEqual(replaced.read, 4)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/consume-dead.ndjson").count, 2, "replace dead-letters nothing")
        let raw = try Data(contentsOf: URL(fileURLWithPath: dir + "/replace.ndjson"))
        XCTAssertNotNil(String(data: raw, encoding: .utf8), "the sink's output is valid UTF-8")
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/replace.ndjson").map { $0["s"]?.string }, ["ok é", "a\u{FFFD}", "b\u{FFFD}", nil])
    }

    /// A BSON value's keys and strings, which its producer may not have
    /// checked, follow `utf8:` as text does; a key that is not UTF-8 is kept
    /// as binary, exact, instead of a string a sink would choke on.
    func testInvalidUTF8InsideBSONValuesAndKeysFollowsTheUTF8Policy() throws {
        func bson(_ build: (inout BSONWriter) -> Void) -> Data {
            var w = BSONWriter()
            build(&w)
            return Data(w.finish())
        }
        let bad: [UInt8] = [0x61, 0xFF]
        let values = [
            bson { w in w.append("n", int32: 1); bad.withUnsafeBytes { w.append("s", stringBytes: $0) } },
            bson { $0.append("n", int32: 2); $0.appendDocument("sub") { d in d.append("k\u{1}", int32: 1); d.appendArray("xs") { a in bad.withUnsafeBytes { b in a.append("", stringBytes: b) } } } },
            bson { $0.append("n", int32: 3); $0.append("s", string: "fine é") },
        ]
        var files: [String] = []
        for (i, value) in values.enumerated() {
            files.append(dir + "/v\(i).bson")
            try value.write(to: URL(fileURLWithPath: files[i]))
        }
        try kcat("bsonutf8", files)

        let rejected = try consume(topic: "bsonutf8", group: "bu-reject", count: 3, out: dir + "/bu-reject.ndjson", extra: ", format: bson")
        XCTAssertEqual(rejected.read, 3)
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/bu-reject.ndjson").map { $0["n"]!.integer! }, [3])
        let reasons = try TestSupport.readNDJSON(dir + "/consume-dead.ndjson").map { $0["reason"]!.string! }
        XCTAssertEqual(reasons.count, 2)
        XCTAssertTrue(reasons[0].hasPrefix("bsonutf8[0]@0: field s: invalid UTF-8 at byte"), reasons[0])
        XCTAssertTrue(reasons[1].hasPrefix("bsonutf8[0]@1: field sub.xs.0: invalid UTF-8 at byte"), reasons[1])

        let replaced = try consume(topic: "bsonutf8", group: "bu-replace", count: 3, out: dir + "/bu-replace.ndjson", extra: ", format: bson, utf8: replace")
        XCTAssertEqual(replaced.read, 3)
        let raw = try Data(contentsOf: URL(fileURLWithPath: dir + "/bu-replace.ndjson"))
        XCTAssertNotNil(String(data: raw, encoding: .utf8), "the sink's output is valid UTF-8")
        let records = try TestSupport.readNDJSON(dir + "/bu-replace.ndjson")
        XCTAssertEqual(records.map { $0["s"]?.string }, ["a\u{FFFD}", nil, "fine é"])
        XCTAssertEqual(records[1]["sub"]?["xs"]?.array?.first?.string, "a\u{FFFD}")
        XCTAssertEqual(records[1]["sub"]?["k\u{1}"]?.integer, 1, "valid keys and values are kept")

        // Keys: one UTF-8, one not.
        try Data(Array("plain|{\"n\":1}\n".utf8) + [0xFF, 0xFE] + Array("|{\"n\":2}\n".utf8)).write(to: URL(fileURLWithPath: dir + "/keyed.txt"))
        try kcat("binkeys", ["-K", "|", "-l", dir + "/keyed.txt"])
        _ = try consume(topic: "binkeys", group: "bk", count: 2, out: dir + "/keys.ndjson", extra: ", metadata_field: _kafka")
        let keys = try TestSupport.readNDJSON(dir + "/keys.ndjson").map { $0["_kafka"]!["key"]! }
        XCTAssertEqual(keys.first?.string, "plain")
        XCTAssertEqual(keys.last?["$binary"]?["base64"]?.string, Data([0xFF, 0xFE]).base64EncodedString(), "\(keys)")
    }

    func testKilledConsumerLosesNothing() throws {
        // Enough records that the consumer is still at work when the kill lands: with 3,000 a
        // fast machine wrote them all between two looks at the file.
        let total = 10000
        _ = try produce("{profile: orders, seed: 2, count: \(total)}", topic: "crash")
        let manifest = dir + "/consumer.yaml"
        // Small batches and an fsync per flush keep the consumer busy long enough to be killed mid-run.
        try consumeYAML(topic: "crash", group: "crashy", out: dir + "/crash.ndjson").replacingOccurrences(
            of: "config: {path: \(dir)/crash.ndjson}", with: "config: {path: \(dir)/crash.ndjson, fsync: true}")
            .replacingOccurrences(of: "max_records: 100", with: "max_records: 20")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let first = try TestSupport.launch(["run", manifest, "--no-progress"])
        let deadline = Date(timeIntervalSinceNow: 20)
        while TestSupport.lineCount(dir + "/crash.ndjson") < 300, Date() < deadline { usleep(2_000) }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let beforeCrash = TestSupport.lineCount(dir + "/crash.ndjson")
        XCTAssertGreaterThan(beforeCrash, 0)
        XCTAssertLessThan(beforeCrash, total, "the consumer finished before it could be killed")
        let second = try TestSupport.launch(["run", manifest, "--no-progress"])
        let until = Date(timeIntervalSinceNow: 30)
        var ids: [String] = []
        while Date() < until {
            ids = ((try? TestSupport.readNDJSON(dir + "/crash.ndjson")) ?? []).compactMap { $0["order_id"]?.string }
            if Set(ids).count >= total { break }
            usleep(100_000)
        }
        second.terminate()
        second.waitUntilExit()
        XCTAssertEqual(Set(ids).count, total, "records were lost across the crash")
        print("killed consumer: \(beforeCrash) written before SIGKILL, \(ids.count - total) duplicate(s) replayed after it")
    }

    func testTwoHostsSharePartitionsAndReadEachRecordOnce() throws {
        let create = try TestSupport.runProcess(ManagedServer.venv + "/bin/tansu",
                                                ["topic", "create", "shared", "--broker", "tcp://\(brokers)", "--partitions", "4"])
        XCTAssertEqual(create.status, 0, create.stderr)
        var hosts: [(Process, String, String)] = []
        for name in ["a", "b"] {
            let manifest = dir + "/\(name).yaml"
            try consumeYAML(topic: "shared", group: "pair", out: dir + "/\(name).ndjson").write(toFile: manifest, atomically: true, encoding: .utf8)
            let log = dir + "/\(name).log"
            hosts.append((try TestSupport.launch(["run", manifest, "--no-progress"], stderr: log), log, dir + "/\(name).ndjson"))
        }
        defer { for (p, _, _) in hosts where p.isRunning { p.terminate(); p.waitUntilExit() } }
        // Wait for a stable group: each host's latest assignment, together, covers the 4 partitions.
        func assigned(_ log: String) -> Int {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            guard let last = text.components(separatedBy: "assigned ").last, text.contains("assigned ") else { return 0 }
            return Int(last.prefix { $0.isNumber }) ?? 0
        }
        let settle = Date(timeIntervalSinceNow: 20)
        while Date() < settle, !(assigned(hosts[0].1) > 0 && assigned(hosts[1].1) > 0 && assigned(hosts[0].1) + assigned(hosts[1].1) == 4) {
            usleep(100_000)
        }
        XCTAssertEqual(assigned(hosts[0].1) + assigned(hosts[1].1), 4, "the group did not settle")
        XCTAssertGreaterThan(assigned(hosts[0].1), 0)
        XCTAssertGreaterThan(assigned(hosts[1].1), 0)
        _ = try produce("{profile: orders, seed: 6, count: 2000}", topic: "shared")
        let until = Date(timeIntervalSinceNow: 30)
        while Date() < until, TestSupport.lineCount(hosts[0].2) + TestSupport.lineCount(hosts[1].2) < 2000 { usleep(100_000) }
        Thread.sleep(forTimeInterval: 0.5)
        for (p, _, _) in hosts { p.terminate(); p.waitUntilExit() }
        let a = try TestSupport.readNDJSON(hosts[0].2).map { $0["order_id"]!.string! }
        let b = try TestSupport.readNDJSON(hosts[1].2).map { $0["order_id"]!.string! }
        XCTAssertGreaterThan(a.count, 0, "host a got no partition's records")
        XCTAssertGreaterThan(b.count, 0, "host b got no partition's records")
        XCTAssertEqual(a.count + b.count, 2000, "with no failure every record is read exactly once")
        XCTAssertEqual(Set(a + b).count, 2000)
    }

    func testBrokerRestartMidRunLosesNothing() throws {
        let port = broker.port
        let total = 2000
        let summary = try TestSupport.run("""
        engine: {initial_backoff_ms: 50, max_backoff_ms: 500, dead_letter_path: \(dir)/produce-dead.ndjson}
        sources:
          gen:
            use: faker.generate
            config: {profile: orders, seed: 3, count: \(total), rate: 1000}
        sinks:
          kafka:
            use: kafka.write
            inputs: [gen]
            config: {brokers: "\(brokers)", topic: outage, message_timeout_ms: 2000}
        """, dir: dir) { _ in
            Thread.sleep(forTimeInterval: 0.8)
            self.broker.kill()
            Thread.sleep(forTimeInterval: 1.5)
            do {
                self.broker = try ManagedServer.kafka(port: port, logDir: self.dir)
                try self.broker.start()
            } catch {
                XCTFail("broker restart failed: \(error)")
            }
        }
        let dead = TestSupport.lineCount(dir + "/produce-dead.ndjson")
        let written = summary.stage("kafka")!.recordsOut
        XCTAssertEqual(written + dead, total, "a record was dropped without a dead-letter entry")
        XCTAssertEqual(dead, 0, "retriable outages should be retried, not dead-lettered")
        XCTAssertGreaterThan(summary.stage("kafka")!.retries, 0, "the outage was not noticed")
        // The new broker (memory storage) holds what was written after it came up; all of it reads back.
        let after = try consume(topic: "outage", group: "after", count: 1, out: dir + "/after.ndjson")
        XCTAssertEqual(after.read, 1)
    }

    func testStartAtTimestampSkipsEarlierMessages() throws {
        _ = try produce("{profile: orders, seed: 1, count: 50}", topic: "timed")
        Thread.sleep(forTimeInterval: 1.1)
        let cut = ISO8601.format(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        Thread.sleep(forTimeInterval: 0.1)
        _ = try produce("{profile: orders, seed: 2, count: 30}", topic: "timed")
        let out = dir + "/timed.ndjson"
        let read = try TestSupport.run(consumeYAML(topic: "timed", group: "timed", out: out, extra: ", start: timestamp, start_time: \"\(cut)\""),
                                       dir: dir) { engine in
            Thread.sleep(forTimeInterval: 4)
            engine.stop()
        }
        XCTAssertEqual(read.read, 30, "only the messages after \(cut)")
        let expected = try TestSupport.run("""
        sources:
          gen: {use: faker.generate, config: {profile: orders, seed: 2, count: 30}}
        sinks:
          out: {use: file.write, inputs: [gen], config: {path: \(dir)/second.ndjson}}
        """, dir: dir)
        XCTAssertEqual(expected.read, 30)
        XCTAssertEqual(Set(try TestSupport.readNDJSON(out).map { $0["order_id"]!.string! + $0["customer"]!.string! }),
                       Set(try TestSupport.readNDJSON(dir + "/second.ndjson").map { $0["order_id"]!.string! + $0["customer"]!.string! }))
    }

    /// A broker that is not there fails the run at start, within
    /// startup_timeout_ms, naming the address, for the source and the sink
    /// alike (before: the source logged errors for ever, the sink hung).
    func testNoBrokerAtTheAddressFailsAtStart() throws {
        let port = try ManagedServer.freePort()
        for (name, yaml) in [
            ("source", """
            engine: {startup_timeout_ms: 4000}
            sources:
              kafka: {use: kafka.read, config: {brokers: "127.0.0.1:\(port)", group: nobody, topics: [t]}}
            sinks:
              out: {use: file.write, inputs: [kafka], config: {path: /dev/null}}
            """),
            ("sink", """
            engine: {startup_timeout_ms: 4000}
            sources:
              gen: {use: faker.generate, config: {profile: orders, count: 10}}
            sinks:
              kafka: {use: kafka.write, inputs: [gen], config: {brokers: "127.0.0.1:\(port)", topic: t}}
            """),
        ] {
            let started = Date()
            XCTAssertThrowsError(try TestSupport.run(yaml, dir: dir), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("kafka (kafka.\(name == "source" ? "read" : "write")): not ready after 4000 ms: no Kafka broker answered at 127.0.0.1:\(port)"), text)
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 4 + 2 * 3 + 2, "\(name) did not give up in time")
        }
    }

    func testValidateRejectsUnknownKeys() throws {
        XCTAssertThrowsError(try TestSupport.plan("""
        sources:
          k: {use: kafka.read, config: {brokers: "x:1", group: g, topics: [t], strat: earliest}}
        sinks:
          out: {use: file.write, inputs: [k], config: {path: /dev/null}}
        """, dir: dir)) { error in
            XCTAssertTrue("\(error)".contains("sources.k.config.strat: unknown config key; did you mean 'start'?"), "\(error)")
        }
    }
}
