import Foundation
import SluiceCore
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `http-sensor.push`: readings POSTed to the source's own server on
/// 127.0.0.1, by libcurl clients, while the pipeline runs in-process.
final class HTTPSensorPushTests: XCTestCase {
    var dir = ""
    var port = 0

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("http-push")
        port = try ManagedServer.freePort()
    }

    var url: String { "http://127.0.0.1:\(port)/readings" }

    /// Waits until the push endpoint answers its health check.
    func waitUntilListening() throws {
        let client = HTTPClient(headers: [], timeoutMillis: 1000)
        for _ in 0 ..< 200 {
            if let r = try? client.send(method: "GET", url: "http://127.0.0.1:\(port)/health", body: nil), r.status == 200 { return }
            usleep(25_000)
        }
        throw TestFailure("the push endpoint did not start on port \(port)")
    }

    func post(_ client: HTTPClient, _ body: String, type: String = "application/x-ndjson", token: String? = "t0k") throws -> HTTPClient.Response {
        try Self.post(client, to: url, body, type: type, token: token)
    }

    /// `post` without `self`, for client threads.
    static func post(_ client: HTTPClient, to url: String, _ body: String, type: String = "application/x-ndjson",
                     token: String? = "t0k") throws -> HTTPClient.Response
    {
        var headers = ["Content-Type: \(type)"]
        if let token { headers.append("Authorization: Bearer \(token)") }
        return try client.send(method: "POST", url: url, body: Array(body.utf8), headers: headers)
    }

    static func ndjson(_ ids: Range<Int>) -> String {
        ids.map { #"{"id":\#($0),"beach":"Montrose Beach","water":\#(Double($0 % 30) + 0.5)}"# + "\n" }.joined()
    }

    /// Runs the pipeline while `clients` runs, then drains it.
    func runPipeline(_ yaml: String, extraPluginDirs: [String] = [], _ clients: @escaping () throws -> Void) throws -> RunSummary {
        let failure = Box<Error?>(nil)
        let summary = try TestSupport.run(yaml, dir: dir, extraPluginDirs: extraPluginDirs) { engine in
            do {
                try self.waitUntilListening()
                try clients()
            } catch {
                failure.value = error
            }
            engine.stop()
        }
        if let error = failure.value { throw error }
        return summary
    }

    /// push (listening on `port`, plus `config`) → file.write to `out`, and
    /// with `slowMillis` also the testkit's slow sink: the backpressure.
    func manifest(_ config: String, out: String, slowMillis: Int? = nil, batch: Int = 10, queue: Int = 1) -> String {
        var yaml = """
        engine: {queue_capacity: \(queue), batch: {max_records: \(batch), max_wait_ms: 5}}
        sources:
          gw:
            use: http-sensor.push
            config: {listen: "127.0.0.1:\(port)", \(config)}
        sinks:
          out: {use: file.write, inputs: [gw], config: {path: \(out)}}

        """
        if let slowMillis { yaml += "  slow: {use: testkit.slow, inputs: [gw], config: {delay_ms: \(slowMillis)}}\n" }
        return yaml
    }

    /// The testkit C plugin (slow sink), compiled; its folder goes on the plugin path.
    func testkitDir() throws -> [String] {
        [(try TestSupport.compileC(CPlugins.testkit, name: "testkit", dir: dir) as NSString).deletingLastPathComponent]
    }

    func ids(in path: String) throws -> [Int] {
        try TestSupport.readNDJSON(path).map { Int($0["id"]!.integer!) }
    }

    func testAcceptedReadingsAreCountedAndWritten() throws {
        var answers: [HTTPClient.Response] = []
        let summary = try runPipeline(manifest("auth_token: t0k, queue_capacity: 10000", out: dir + "/out.ndjson", batch: 4096, queue: 4)) {
            let client = HTTPClient(headers: [], timeoutMillis: 5000)
            answers.append(try self.post(client, Self.ndjson(0 ..< 3)))
            answers.append(try self.post(client, "id,beach,water\n3,Calumet Beach,20.5\n4,Calumet Beach,21\n", type: "text/csv"))
            answers.append(try self.post(client, #"[{"id":5},{"id":6}]"#, type: "application/json"))
            // Over 1 MiB, so libcurl asks "Expect: 100-continue".
            answers.append(try self.post(client, Self.ndjson(7 ..< 10_007)))
            // More readings than queue_capacity can never fit: refused whole, not taken past the bound.
            answers.append(try self.post(client, Self.ndjson(20_000 ..< 30_001)))
        }
        XCTAssertEqual(answers.map(\.status), [202, 202, 202, 202, 413])
        XCTAssertEqual(try JSONParser.parse(answers[0].body)["accepted"], 3)
        XCTAssertEqual(try JSONParser.parse(answers[3].body)["accepted"], 10_000)
        XCTAssertTrue(try JSONParser.parse(answers[4].body)["error"]?.string?.contains("more than queue_capacity (10000)") ?? false)
        XCTAssertEqual(summary.read, 10_007)
        XCTAssertEqual(try ids(in: dir + "/out.ndjson"), Array(0 ..< 10_007))
        XCTAssertEqual(try TestSupport.readNDJSON(dir + "/out.ndjson")[3]["water"], 20.5, "CSV cells are typed")
    }

    /// Bodies holding invalid UTF-8 (real bytes over HTTP): under `utf8:
    /// reject` (the default) the request is refused whole with the line and
    /// byte, as any malformed body; under `replace` it is taken with U+FFFD,
    /// and what reaches the sink is UTF-8 either way.
    func testInvalidUTF8BodiesFollowTheUTF8Policy() throws {
        let ndjson = Array(#"{"id":1,"s":"é"}"#.utf8) + [0x0A] + Array(#"{"id":2,"s":"x"#.utf8) + [0xFF] + Array(#""}"#.utf8) + [0x0A]
        let json = Array(#"[{"id":3,"s":"ok"},{"id":4,"s":"y"#.utf8) + [0xE2, 0x82] + Array(#""}]"#.utf8)
        for policy in ["reject", "replace"] {
            let out = dir + "/out-\(policy).ndjson"
            var answers: [HTTPClient.Response] = []
            _ = try runPipeline(manifest("utf8: \(policy)", out: out, batch: 64, queue: 4)) {
                let client = HTTPClient(headers: [], timeoutMillis: 5000)
                answers.append(try client.send(method: "POST", url: self.url, body: ndjson, headers: ["Content-Type: application/x-ndjson"]))
                answers.append(try client.send(method: "POST", url: self.url, body: json, headers: ["Content-Type: application/json"]))
            }
            XCTAssertNotNil(String(data: (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data(), encoding: .utf8), "\(policy): the sink wrote UTF-8")
            let written = (try? TestSupport.readNDJSON(out)) ?? []
            if policy == "reject" {
                XCTAssertEqual(answers.map(\.status), [400, 400])
                let first = try JSONParser.parse(answers[0].body), second = try JSONParser.parse(answers[1].body)
                XCTAssertEqual(first["line"], 2)
                XCTAssertTrue(first["error"]!.string!.hasPrefix("line 2: invalid UTF-8 at byte 14"), "\(first)")
                XCTAssertTrue(second["error"]!.string!.contains("invalid UTF-8 at byte 33"), "\(second)")
                XCTAssertEqual(written.count, 0, "a refused request's readings were kept")
            } else {
                XCTAssertEqual(answers.map(\.status), [202, 202])
                XCTAssertEqual(written.map { $0["s"]!.string! }, ["é", "x\u{FFFD}", "ok", "y\u{FFFD}"])
            }
        }
    }

    func testBadRequestsAreRefusedWithTheirReasonAndNothingIsKept() throws {
        var answers: [String: HTTPClient.Response] = [:]
        _ = try runPipeline(manifest("auth_token: t0k, max_body_bytes: 1000", out: dir + "/out.ndjson")) {
            let client = HTTPClient(headers: [], timeoutMillis: 5000)
            answers["malformed"] = try self.post(client, Self.ndjson(0 ..< 2) + "{\"id\": 2,\n" + Self.ndjson(3 ..< 4))
            answers["no token"] = try self.post(client, Self.ndjson(10 ..< 11), token: nil)
            answers["wrong token"] = try self.post(client, Self.ndjson(11 ..< 12), token: "guess")
            answers["too large"] = try self.post(HTTPClient(headers: [], timeoutMillis: 5000), Self.ndjson(20 ..< 60))
            answers["empty"] = try self.post(client, "\n")
            answers["ok"] = try self.post(client, Self.ndjson(100 ..< 101))
        }
        XCTAssertEqual(answers["malformed"]?.status, 400)
        let reason = try JSONParser.parse(answers["malformed"]!.body)
        XCTAssertEqual(reason["line"], 3)
        XCTAssertTrue(reason["error"]!.string!.hasPrefix("line 3: invalid JSON"), "\(reason)")
        XCTAssertEqual(answers["no token"]?.status, 401)
        XCTAssertEqual(answers["no token"]?.header("www-authenticate")?.hasPrefix("Bearer"), true)
        XCTAssertEqual(answers["wrong token"]?.status, 401)
        XCTAssertEqual(answers["too large"]?.status, 413)
        XCTAssertEqual(answers["empty"]?.status, 400)
        XCTAssertEqual(answers["ok"]?.status, 202)
        XCTAssertEqual(try ids(in: dir + "/out.ndjson"), [100], "a refused request's readings were kept")
    }

    /// A sink that cannot keep up fills the inbox: a request that does not
    /// fit gets 503 with Retry-After at once, and nothing answered 2xx is lost.
    /// (One client alone never fills it: each request waits for its answer.)
    func testAFullPipelineAnswers503WithRetryAfter() throws {
        let results = Box<[(ids: Range<Int>, status: Int, retryAfter: String?)]>([])
        let lock = NSLock()
        let url = url
        _ = try runPipeline(manifest("queue_capacity: 20", out: dir + "/out.ndjson", slowMillis: 100), extraPluginDirs: try testkitDir()) {
            concurrently(8) { client in
                let http = HTTPClient(headers: [], timeoutMillis: 20000)
                for i in 0 ..< 20 {
                    let first = (client * 20 + i) * 10
                    guard let r = try? Self.post(http, to: url, Self.ndjson(first ..< first + 10), token: nil) else { continue }
                    lock.withLock { results.value.append((first ..< first + 10, r.status, r.header("retry-after"))) }
                    if r.status == 503 { break }
                }
            }
        }
        let refused = results.value.filter { $0.status == 503 }
        XCTAssertGreaterThan(refused.count, 0, "8 clients never filled the pipeline: \(results.value.map(\.status))")
        XCTAssertEqual(Set(refused.map(\.retryAfter)), ["1"])
        XCTAssertEqual(Set(results.value.map(\.status)), [202, 503])
        let accepted = results.value.filter { $0.status == 202 }.flatMap(\.ids)
        XCTAssertEqual(Set(try ids(in: dir + "/out.ndjson")), Set(accepted))
    }

    /// Hostile clients: a request that never finishes its head or body is
    /// answered 408 (or the connection closed) after request_timeout_ms;
    /// connections past max_connections are answered 503 and closed; the
    /// endpoint keeps serving everyone else.
    func testSlowAndTooManyClientsAreCutOffAndOthersAreStillServed() throws {
        var halfHead: String?, halfBody: String?, oneTooMany: String?
        var ok: HTTPClient.Response?
        _ = try runPipeline(manifest("auth_token: t0k, request_timeout_ms: 500, max_connections: 3", out: dir + "/out.ndjson")) {
            usleep(300_000)  // the health check's connection is gone
            let idle = try RawConnection(port: self.port)
            let slowHead = try RawConnection(port: self.port)
            slowHead.send("POST /readings HTTP/1.1\r\nHost: x\r\nContent-")
            let slowBody = try RawConnection(port: self.port)
            slowBody.send("POST /readings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\nContent-Length: 100\r\n\r\n{\"id\":")
            let extra = try RawConnection(port: self.port)
            extra.send("POST /readings HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            oneTooMany = extra.readUntilClosed(seconds: 3)
            halfHead = slowHead.readUntilClosed(seconds: 3)
            halfBody = slowBody.readUntilClosed(seconds: 3)
            XCTAssertNotNil(idle.readUntilClosed(seconds: 3), "an idle connection is closed")
            ok = try self.post(HTTPClient(headers: [], timeoutMillis: 5000), Self.ndjson(0 ..< 1))
        }
        XCTAssertEqual(oneTooMany?.hasPrefix("HTTP/1.1 503"), true, oneTooMany ?? "still open")
        XCTAssertEqual(oneTooMany?.contains("max_connections 3"), true, oneTooMany ?? "")
        XCTAssertNotNil(halfHead, "a request head that never ends does not hold the connection")
        XCTAssertEqual(halfBody?.hasPrefix("HTTP/1.1 408"), true, halfBody ?? "still open")
        XCTAssertEqual(ok?.status, 202, "the endpoint still serves once the others are gone")
        XCTAssertEqual(try ids(in: dir + "/out.ndjson"), [0])
    }

    /// Requests pipelined on one connection, sent in one write, are answered
    /// in their order, each after its readings were taken; a request that is
    /// not HTTP after them is answered 400 and the connection closed.
    func testPipelinedRequestsAreAnsweredInOrder() throws {
        var answers: String?
        _ = try runPipeline(manifest("", out: dir + "/out.ndjson")) {
            let c = try RawConnection(port: self.port)
            var requests = ""
            for ids in [0 ..< 2, 2 ..< 5, 5 ..< 6] {
                let body = Self.ndjson(ids)
                requests += "POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
            }
            c.send(requests + "NOT HTTP\r\n\r\n")
            answers = c.readUntilClosed(seconds: 5)
        }
        let text = try XCTUnwrap(answers, "the connection was left open")
        // "\r\n" is one Character in Swift: a status line ends at it.
        let statuses = text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix { $0 != "\r\n" }) }
        XCTAssertEqual(statuses, ["202 Accepted", "202 Accepted", "202 Accepted", "400 Bad Request"], text)
        let counts = text.components(separatedBy: #""accepted":"#).dropFirst().map { $0.prefix { $0.isNumber } }
        XCTAssertEqual(counts, ["2", "3", "1"], text)
        XCTAssertTrue(text.contains("not a valid HTTP request: invalid HTTP method"), text)
        XCTAssertEqual(try ids(in: dir + "/out.ndjson"), Array(0 ..< 6))
    }

    func testValidateNamesBadSettingsWithTheirLine() throws {
        let manifest = dir + "/bad.yaml"
        try """
        sources:
          api:
            use: http-sensor.poll
            config: {url: "ftp://x/readings", format: xml}
          gw:
            use: http-sensor.push
            config: {listen: localhost, ack: later}
        sinks:
          out: {use: file.discard, inputs: [api, gw]}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try TestSupport.runProcess(TestSupport.sluice, ["validate", manifest])
        XCTAssertEqual(result.status, 2)
        for expected in ["bad.yaml:4:14: sources.api.config.url", "bad.yaml:4:39: sources.api.config.format",
                         "bad.yaml:7:14: sources.gw.config.listen", "bad.yaml:7:33: sources.gw.config.ack"]
        {
            XCTAssertTrue(result.stderr.contains(expected) || result.stdout.contains(expected), "\(expected) in:\n\(result.stderr)\(result.stdout)")
        }
    }

    /// Stopping the pipeline under load: every waiting client is told 503
    /// (or finds the port closed), and every reading answered 2xx is written.
    func testStoppingUnderLoadAnswersEveryWaitingClient() throws {
        let outcome = Box<[(ids: Range<Int>, status: Int)]>([])
        let lock = NSLock()
        let clientsDone = DispatchGroup()
        let url = url
        _ = try TestSupport.run(manifest("queue_capacity: 40", out: dir + "/out.ndjson", slowMillis: 50), dir: dir,
                                extraPluginDirs: try testkitDir()) { engine in
            try? self.waitUntilListening()
            for client in 0 ..< 8 {
                clientsDone.enter()
                Thread.detachNewThread {
                    let http = HTTPClient(headers: [], timeoutMillis: 10000)
                    for i in 0 ..< 30 {
                        let first = (client * 30 + i) * 10
                        let status = (try? Self.post(http, to: url, Self.ndjson(first ..< first + 10), token: nil).status) ?? -1
                        lock.withLock { outcome.value.append((first ..< first + 10, status)) }
                        if status == -1 { break }
                    }
                    clientsDone.leave()
                }
            }
            Thread.sleep(forTimeInterval: 0.5)
            engine.stop()
        }
        clientsDone.wait()
        let results = outcome.value
        XCTAssertEqual(Set(results.map(\.status)).subtracting([202, 503, -1]), [], "\(results.map(\.status))")
        XCTAssertGreaterThan(results.filter { $0.status == 503 }.count, 0, "no client was waiting when the pipeline stopped")
        let accepted = Set(results.filter { $0.status == 202 }.flatMap(\.ids))
        XCTAssertGreaterThan(accepted.count, 0)
        XCTAssertTrue(accepted.isSubset(of: Set(try ids(in: dir + "/out.ndjson"))), "a reading answered 202 was lost at shutdown")
    }

    /// Concurrent clients against a slow pipeline: every reading answered
    /// 2xx reaches the sink once, and no refused reading does. The pipeline
    /// holds about three requests (batches of 10, one batch per queue) and
    /// the inbox two, so twelve clients always find it full at times.
    func testUnderLoadEveryAcknowledgedReadingArrivesAndEveryRefusedOneWasTold() throws {
        let testkit = try testkitDir()
        for ack in ["enqueued", "delivered"] {
            port = try ManagedServer.freePort()
            let out = dir + "/load-\(ack).ndjson"
            let outcome = Box<[(ids: Range<Int>, status: Int)]>([])
            let lock = NSLock()
            let (clients, requests) = (12, 20)
            let config = "queue_capacity: 20, ack: \(ack), overload_status: 429, threads: 2"
            let url = url
            _ = try runPipeline(manifest(config, out: out, slowMillis: 20), extraPluginDirs: testkit) {
                concurrently(clients) { client in
                    let http = HTTPClient(headers: [], timeoutMillis: 10000)
                    for i in 0 ..< requests {
                        let first = (client * requests + i) * 10
                        let status = (try? Self.post(http, to: url, Self.ndjson(first ..< first + 10), token: nil).status) ?? -1
                        lock.withLock { outcome.value.append((first ..< first + 10, status)) }
                        usleep(2000)
                    }
                }
            }
            let results = outcome.value
            XCTAssertEqual(results.count, clients * requests, ack)
            XCTAssertEqual(Set(results.map(\.status)).subtracting([ack == "delivered" ? 200 : 202, 429]), [], "\(ack): other answers: \(results.map(\.status))")
            let accepted = Set(results.filter { $0.status / 100 == 2 }.flatMap(\.ids))
            let written = try ids(in: out)
            XCTAssertEqual(Set(written), accepted, ack)
            XCTAssertEqual(written.count, accepted.count, "\(ack): a reading was written twice")
            XCTAssertGreaterThan(accepted.count, 0, ack)
            XCTAssertGreaterThan(results.filter { $0.status == 429 }.count, 0, "\(ack): the load never filled the pipeline")
        }
    }
}

/// Runs `body` on `n` threads at once (concurrentPerform caps them at the
/// core count, too few to load a server).
func concurrently(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0 ..< n {
        group.enter()
        Thread.detachNewThread {
            body(i)
            group.leave()
        }
    }
    group.wait()
}

/// A mutable value shared with a closure that runs on another thread.
/// `@unchecked Sendable`: the tests read and write `value` under their own `NSLock`,
/// or only after the writing thread has been joined.
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
