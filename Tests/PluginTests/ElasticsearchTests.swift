import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The elasticsearch and logstash sinks against a real Elasticsearch-API
/// server (noida-db), syslog-ng standing in for Logstash, and a fault proxy.
final class ElasticsearchTests: XCTestCase {
    var dir = ""
    var es: ManagedServer!
    var url: String { "http://127.0.0.1:\(es.port)" }

    /// noida-db guesses "date" for any string that starts like one (RawData
    /// does); the explicit mapping keeps the test about the sink.
    let template = """
          index_template:
            name: sensors
            body: {index_patterns: ["sensors*"], template: {mappings: {date_detection: false, properties: {RawData: {type: keyword}, amount: {type: float}}}}}
    """

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("es")
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        es = try ManagedServer.elasticsearch(dataDir: dir + "/data", logDir: dir)
        try es.start()
    }

    /// noida-db ignores a parent's SIGTERM; its data is not needed after the test.
    override func tearDown() {
        es?.kill()
    }

    private func curl(_ path: String, _ method: String = "GET") throws -> JSONValue {
        let r = try TestSupport.runProcess("/usr/bin/curl", ["-s", "-X", method, url + path])
        return try JSONParser.parse(r.stdout)
    }

    private func count(_ index: String) throws -> Int {
        _ = try curl("/_refresh", "POST")
        return Int(try curl("/\(index)/_count")["count"]?.integer ?? -1)
    }

    private func pipeline(_ source: String, sink: String, engine: String = "") -> String {
        """
        engine: {initial_backoff_ms: 50, max_backoff_ms: 500, dead_letter_path: \(dir)/dead.ndjson\(engine)}
        sources:
          gen:
            use: faker.generate
            config: \(source)
        sinks:
          out:
        \(sink)
        """
    }

    private func esSink(index: String, url: String? = nil, id: Bool = true) -> String {
        """
            use: elasticsearch.write
            inputs: [gen]
            config:
              urls: ["\(url ?? self.url)"]
              index: "\(index)"
        \(id ? "      id_field: MeasurementID" : "")
        \(template)
        """
    }

    func testIndexesWithIdAndTimestampAndReplaysIdempotently() throws {
        let yaml = pipeline("{profile: beach_sensor, seed: 2, count: 400}", sink: esSink(index: "sensors-%Y.%m.%d"))
        _ = try TestSupport.run(yaml, dir: dir)
        XCTAssertEqual(try count("sensors-2024.06.01"), 400)
        let doc = try curl("/sensors-2024.06.01/_doc/758007")["_source"]
        XCTAssertEqual(doc?["MeasurementID"]?.integer, 758_007)
        XCTAssertEqual(doc?["@timestamp"]?.string, "2024-06-01T00:00:07.000Z", "@timestamp from the event time")
        XCTAssertEqual(doc?["TimeStamp"]?.string, "2024-06-01T00:00:07.000Z", "a BSON date becomes an ISO string")
        XCTAssertNotNil(doc?["WaterTemperature"]?.number)
        XCTAssertTrue(doc?["RawData"]?.string?.hasSuffix(" 758007") ?? false)
        _ = try TestSupport.run(yaml, dir: dir)
        XCTAssertEqual(try count("sensors-2024.06.01"), 400, "a replay with _id must not add documents")
    }

    func testMappingErrorsAreDeadLetteredWithTheItemsReason() throws {
        let summary = try TestSupport.run(pipeline("{profile: orders, seed: 5, count: 300, malformed_ratio: 0.2}", sink: """
            use: elasticsearch.write
            inputs: [gen]
            config:
              urls: ["\(url)"]
              index: sensors-orders
              id_field: order_id
        \(template)
        """), dir: dir)
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertGreaterThan(dead.count, 20)
        XCTAssertEqual(try count("sensors-orders") + dead.count, 300)
        XCTAssertEqual(summary.stage("out")?.deadLettered, dead.count)
        for d in dead {
            XCTAssertEqual(d["record"]?["amount"]?.string, "N/A")
            XCTAssertTrue(d["reason"]?.string?.hasPrefix("HTTP 400 document_parsing_exception") ?? false, "\(d)")
        }
    }

    func testRejectedItemsAreRetriedWithoutLossOrDuplicates() throws {
        let proxy = try ManagedServer.faultProxy(targetPort: es.port, everyNth: 4, rejectRequests: 3, logDir: dir)
        try proxy.start()
        defer { proxy.stop() }
        // No _id: a document sent twice would be indexed twice.
        let summary = try TestSupport.run(pipeline("{profile: beach_sensor, seed: 3, count: 800}",
                                                   sink: esSink(index: "sensors-proxied", url: "http://127.0.0.1:\(proxy.port)", id: false)),
                                          dir: dir)
        XCTAssertGreaterThan(summary.stage("out")!.retries, 0, "the proxy rejected nothing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"), "429s must be retried, not dead-lettered")
        XCTAssertEqual(try count("sensors-proxied"), 800, "lost or duplicated documents")
    }

    /// The outage is on the network path: the sink talks through a proxy that
    /// is down at start and killed mid-run. (noida-db itself ignores stop
    /// signals from a parent process and keeps nothing across SIGKILL.)
    func testServerDownAtStartAndMidRunLosesNothing() throws {
        let port = try ManagedServer.freePort()
        func proxy() throws -> ManagedServer {
            let p = try ManagedServer(name: "outage-proxy", executable: "/usr/bin/python3",
                                      arguments: [TestSupport.repoRoot + "/Tests/Fixtures/fault_proxy.py", String(port), String(es.port), "1", "0"],
                                      port: port, logDir: dir)
            try p.start()
            return p
        }
        var path: ManagedServer?
        let total = 1500
        var killedAt = 0
        let summary = try TestSupport.run(pipeline("{profile: beach_sensor, seed: 4, count: \(total), rate: 500}",
                                                   sink: esSink(index: "sensors-outage", url: "http://127.0.0.1:\(port)"),
                                                   engine: ", startup_timeout_ms: 15000"),
                                          dir: dir) { engine in
            func written() -> Int { engine.stageMetrics.first { $0.name == "out" }?.snapshot.recordsOut ?? 0 }
            do {
                Thread.sleep(forTimeInterval: 1.0)
                path = try proxy()
                let deadline = Date(timeIntervalSinceNow: 10)
                while written() < 300, Date() < deadline { usleep(10_000) }
                killedAt = written()
                path?.kill()
                Thread.sleep(forTimeInterval: 1.0)
                path = try proxy()
            } catch {
                XCTFail("proxy restart failed: \(error)")
            }
        }
        defer { path?.stop() }
        XCTAssertGreaterThan(killedAt, 0)
        XCTAssertLessThan(killedAt, total, "the run ended before the outage")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"),
                       (try? String(contentsOfFile: dir + "/dead.ndjson", encoding: .utf8).prefix(600)).map(String.init) ?? "")
        XCTAssertGreaterThan(summary.stage("out")!.retries, 0, "the outage was not noticed")
        XCTAssertEqual(try count("sensors-outage"), total)
    }

    func testLogstashVariantLandsTheSameDocuments() throws {
        let source = "{profile: beach_sensor, seed: 6, count: 250}"
        _ = try TestSupport.run(pipeline(source, sink: esSink(index: "sensors-direct")), dir: dir)
        let standIn = try ManagedServer.logstashStandIn(esPort: es.port, index: "sensors-elk", idField: "MeasurementID", dir: dir)
        try standIn.start()
        defer { standIn.stop() }
        // The same manifest but for the sink's use: and its address.
        _ = try TestSupport.run(pipeline(source, sink: """
            use: logstash.write
            inputs: [gen]
            config: {address: "127.0.0.1:\(standIn.port)"}
        """), dir: dir)
        let deadline = Date(timeIntervalSinceNow: 15)
        while try count("sensors-elk") < 250, Date() < deadline { usleep(200_000) }
        XCTAssertEqual(try count("sensors-elk"), 250)
        for id in [758_000, 758_123, 758_249] {
            let direct = try curl("/sensors-direct/_doc/\(id)")["_source"]
            let viaELK = try curl("/sensors-elk/_doc/\(id)")["_source"]
            XCTAssertNotNil(direct)
            // syslog-ng may turn numbers into strings: compare values as text.
            for key in ["Beach", "MeasurementID", "WaterTemperature", "Turbidity", "RawData", "@timestamp", "TimeStamp"] {
                XCTAssertEqual(text(direct?[key]), text(viaELK?[key]), "\(id).\(key)")
            }
        }
    }

    /// The examples as shipped: elasticsearch.yaml indexes every reading into
    /// the test server; elk.yaml, through the Logstash stand-in, lands the same
    /// ids in the same indexes (taken from each line's @metadata); the two
    /// files differ in `use:`, the address and the index template only.
    func testSearchExamplesAsShippedAndTheirOneLineSwap() throws {
        let examples = TestSupport.repoRoot + "/examples/"
        var env = ProcessInfo.processInfo.environment
        env["ES_URL"] = url
        let direct = try TestSupport.runProcess(TestSupport.sluice, ["run", examples + "elasticsearch.yaml", "--no-progress"], cwd: dir, environment: env)
        XCTAssertEqual(direct.status, 0, direct.stderr)
        XCTAssertTrue(direct.stderr.contains("read 10000, dead-lettered 0"), direct.stderr)
        XCTAssertEqual(try count("sensors-*"), 10000)
        let sample = try curl("/sensors-*/_search?size=1")["hits"]?["hits"]?.array?.first
        let index = try XCTUnwrap(sample?["_index"]?.string)
        let id = try XCTUnwrap(sample?["_id"]?.string)
        XCTAssertNil(sample?["_source"]?["@metadata"])

        let standIn = try ManagedServer.logstashStandIn(esPort: es.port, index: "unused", idField: "unused", dir: dir)
        try standIn.start()
        defer { standIn.stop() }
        env["LOGSTASH"] = "127.0.0.1:\(standIn.port)"
        let elk = try TestSupport.runProcess(TestSupport.sluice, ["run", examples + "elk.yaml", "--no-progress"], cwd: dir, environment: env)
        XCTAssertEqual(elk.status, 0, elk.stderr)
        let deadline = Date(timeIntervalSinceNow: 30)
        func relayed() throws -> JSONValue? { try curl("/\(index)/_doc/\(id)")["_source"]?["@metadata"] }
        while try relayed() == nil, Date() < deadline { usleep(300_000) }
        XCTAssertEqual(try relayed()?["_index"]?.string, index, "the ELK route put the reading in the same index")
        XCTAssertEqual(try relayed()?["_id"]?.string, id)
        XCTAssertEqual(try count("sensors-*"), 10000, "same ids: the ELK route overwrote, it did not add")

        func settings(_ file: String) throws -> [String] {
            try String(contentsOfFile: examples + file, encoding: .utf8).split(separator: "\n").map(String.init)
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        }
        let (a, b) = (try settings("elasticsearch.yaml"), try settings("elk.yaml"))
        let onlyES = a.filter { !b.contains($0) }, onlyELK = b.filter { !a.contains($0) }
        XCTAssertEqual(onlyELK.map { $0.trimmingCharacters(in: .whitespaces) }, ["use: logstash.write", "address: \"${LOGSTASH:-127.0.0.1:5044}\""])
        XCTAssertEqual(onlyES.map { $0.trimmingCharacters(in: .whitespaces) }.prefix(2), ["use: elasticsearch.write", "urls: [\"${ES_URL:-http://127.0.0.1:9200}\"]"])
        XCTAssertTrue(onlyES.dropFirst(2).allSatisfy { $0.contains("index_template") || $0.contains("name: sensors") || $0.contains("body:") }, "\(onlyES)")
    }

    /// An HTTP server that is not Elasticsearch is refused at start, by what
    /// it answered, instead of taking bulk requests and indexing nothing.
    func testAnHTTPServerThatIsNotElasticsearchIsRefusedAtStart() throws {
        let http = try ManagedServer.sensorSimulator([], logDir: dir)
        try http.start()
        defer { http.stop() }
        XCTAssertThrowsError(try TestSupport.run(pipeline("{profile: beach_sensor, seed: 2, count: 20}",
                                                          sink: esSink(index: "x", url: "http://127.0.0.1:\(http.port)")), dir: dir)) { error in
            XCTAssertTrue("\(error)".contains("not an Elasticsearch cluster's version"), "\(error)")
        }
    }

    /// A port that answers like HTTP is not a Logstash tcp input: the run
    /// fails with what the peer said instead of counting lines as written.
    func testLogstashSinkRefusesAPeerThatAnswersLikeHTTP() throws {
        let http = try ManagedServer.sensorSimulator([], logDir: dir)
        try http.start()
        defer { http.stop() }
        let summary = try TestSupport.run(pipeline("{profile: beach_sensor, seed: 2, count: 20}", sink: """
            use: logstash.write
            inputs: [gen]
            config: {address: "127.0.0.1:\(http.port)"}
        """), dir: dir)
        XCTAssertEqual(summary.stage("out")?.recordsOut, 0)
        let dead = try TestSupport.readNDJSON(dir + "/dead.ndjson")
        XCTAssertEqual(dead.count, 20)
        XCTAssertTrue(dead.first?["reason"]?.string?.contains("answered \"HTTP/1.1 400") == true, "\(dead.first as Any)")
        XCTAssertTrue(dead.first?["reason"]?.string?.contains("that is an HTTP server") == true)
    }

    /// The same sink to a TLS-only input: the certificate is verified
    /// against `ca_file` (and refused without it), and the documents land.
    func testLogstashOverTLSVerifiesTheServerAndLandsTheDocuments() throws {
        let (cert, key) = try ManagedServer.selfSignedCertificate(dir: dir)
        let standIn = try ManagedServer.logstashStandIn(esPort: es.port, index: "sensors-tls", idField: "MeasurementID", dir: dir,
                                                        tls: (cert, key))
        try standIn.start()
        defer { standIn.stop() }
        // The direct sink installs the index template the ELK path needs too.
        _ = try TestSupport.run(pipeline("{profile: beach_sensor, seed: 7, count: 1}", sink: esSink(index: "sensors-direct")), dir: dir)
        func send(_ tls: String, count: Int) throws -> RunSummary {
            try TestSupport.run(pipeline("{profile: beach_sensor, seed: 7, count: \(count)}", sink: """
                use: logstash.write
                inputs: [gen]
                config: {address: "127.0.0.1:\(standIn.port)", connect_timeout_ms: 2000, tls: \(tls)}
            """, engine: ", startup_timeout_ms: 1000"), dir: dir)
        }
        XCTAssertThrowsError(try send("{}", count: 10), "a certificate no CA vouches for was accepted") { error in
            XCTAssertTrue("\(error)".contains("TLS handshake") && "\(error)".contains("self-signed certificate"), "\(error)")
        }
        XCTAssertThrowsError(try send("{ca_file: \(cert), server_name: sensors.example}", count: 10)) { error in
            XCTAssertTrue("\(error)".contains("hostname mismatch"), "\(error)")
        }
        _ = try send("{ca_file: \(cert)}", count: 120)
        let deadline = Date(timeIntervalSinceNow: 15)
        while try count("sensors-tls") < 120, Date() < deadline { usleep(200_000) }
        XCTAssertEqual(try count("sensors-tls"), 120)
    }

    private func text(_ v: JSONValue?) -> String? {
        guard let v else { return nil }
        if let s = v.string { return s }
        return JSONWriter.string(v)
    }
}
