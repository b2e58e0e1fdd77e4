import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// A password or token in a component's config never appears in any log line
/// or error `sluice` prints, whichever way the component fails. Each case
/// runs the real host against a port nothing listens on (or a server that
/// refuses the credentials) and reads everything it wrote to stderr.
final class SecretsInLogsTests: XCTestCase {
    var dir = ""
    var down = 0

    override func setUp() {
        dir = TestSupport.tempDir("secrets")
        down = (try? ManagedServer.freePort()) ?? 9
    }

    /// Runs `sluice run` on `components` (YAML under the top level) for at
    /// most `seconds`, then stops it; returns what it wrote to stderr.
    private func stderrOfRun(_ components: String, seconds: Double = 4, format: String = "text") throws -> String {
        let file = dir + "/pipeline.yaml"
        try ("engine: {dead_letter_path: \(dir)/dead.ndjson, initial_backoff_ms: 50, max_backoff_ms: 200}\n" + components)
            .write(toFile: file, atomically: true, encoding: .utf8)
        let log = dir + "/stderr.log"
        let p = try TestSupport.launch(["run", file, "--no-progress", "--log-level", "debug", "--log-format", format], stderr: log)
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning, Date() < deadline { usleep(50000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return try String(contentsOfFile: log, encoding: .utf8)
    }

    private func assertHidden(_ secrets: [String], in text: String, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(text.contains(mentions), "the failure is not reported (want \(mentions.debugDescription)):\n\(text.prefix(2000))", file: file, line: line)
        for secret in secrets {
            XCTAssertFalse(text.contains(secret), "\(secret) leaked:\n\(text.prefix(4000))", file: file, line: line)
        }
    }

    private let faker = "sources:\n  gen: {use: faker.generate, config: {profile: people, count: 50}}\n"

    func testElasticsearchURLCredentialsAndPasswordNeverLogged() throws {
        for format in ["text", "json"] {
            let text = try stderrOfRun(faker + """
            sinks:
              out:
                use: elasticsearch.write
                inputs: [gen]
                config: {urls: ["http://elastic:EsUrlPass9@127.0.0.1:\(down)"], index: people, username: elastic, password: EsCfgPass7}
            """, format: format)
            assertHidden(["EsUrlPass9", "EsCfgPass7"], in: text, mentions: "127.0.0.1:\(down)")
        }
    }

    func testElasticsearchAPIKeyNeverLogged() throws {
        let text = try stderrOfRun(faker + """
        sinks:
          out: {use: elasticsearch.write, inputs: [gen], config: {urls: ["http://127.0.0.1:\(down)/?api_key=QueryKey55"], index: p, api_key: CfgApiKey66}}
        """)
        assertHidden(["QueryKey55", "CfgApiKey66"], in: text, mentions: "127.0.0.1:\(down)")
    }

    func testHTTPSensorPollCredentialsAndTokenNeverLogged() throws {
        let text = try stderrOfRun("""
        sources:
          poll:
            use: http-sensor.poll
            config:
              url: "http://sensor:PollPass42@127.0.0.1:\(down)/readings?token=PollTok3n&station=7"
              interval_ms: 100
              auth: {bearer: BearerTok88}
        sinks:
          out: {use: file.write, inputs: [poll], config: {path: \(dir)/out.ndjson}}
        """)
        assertHidden(["PollPass42", "PollTok3n", "BearerTok88"], in: text, mentions: "127.0.0.1:\(down)")
        XCTAssertTrue(text.contains("station=7"), "only the secret parts are masked:\n\(text.prefix(2000))")
    }

    /// A server that answers 401 and echoes the request line (with its token) in its body.
    func testHTTPSensorRefusedAuthNeverLogsTheToken() throws {
        let port = try ManagedServer.freePort()
        let script = dir + "/deny.py"
        try """
        import http.server, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("denied: " + self.requestline + " " + str(self.headers.get("Authorization"))).encode()
                self.send_response(401); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
            def log_message(self, *a): pass
        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = [script, "\(port)"]
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let deadline = Date().addingTimeInterval(10)
        while !ManagedServer.accepts(port: port), Date() < deadline { usleep(50000) }
        let text = try stderrOfRun("""
        sources:
          poll:
            use: http-sensor.poll
            config: {url: "http://127.0.0.1:\(port)/r?access_token=DenyTok77", interval_ms: 100, auth: {username: u, password: DenyPass66}}
        sinks:
          out: {use: file.write, inputs: [poll], config: {path: \(dir)/out.ndjson}}
        """)
        assertHidden(["DenyTok77", "DenyPass66", Base64.encode(Array("u:DenyPass66".utf8))], in: text, mentions: "401")
    }

    func testMongoURIPasswordNeverLogged() throws {
        let text = try stderrOfRun(faker + """
        sinks:
          out:
            use: mongodb.write
            inputs: [gen]
            config: {uri: "mongodb://app:MongoPass31@127.0.0.1:\(down)/?serverSelectionTimeoutMS=500&connectTimeoutMS=300", database: d, collection: c}
        """, seconds: 6)
        assertHidden(["MongoPass31"], in: text, mentions: "127.0.0.1:\(down)")
    }

    func testKafkaSASLPasswordNeverLogged() throws {
        try ManagedServer.requireTestRdKafka()
        let text = try stderrOfRun(faker + """
        sinks:
          out:
            use: kafka.write
            inputs: [gen]
            config:
              brokers: 127.0.0.1:\(down)
              topic: t
              librdkafka: {security.protocol: SASL_PLAINTEXT, sasl.mechanism: PLAIN, sasl.username: u, sasl.password: KafkaPass19}
        """, seconds: 6)
        assertHidden(["KafkaPass19"], in: text, mentions: "127.0.0.1:\(down)")
    }

    /// `validate` echoes a wrong value back in its error; not for a secret.
    /// Literal secrets draw a warning that suggests `${ENV}`, secrets from the environment none.
    func testValidateMasksSecretsAndWarnsAboutLiteralOnes() throws {
        let file = dir + "/v.yaml"
        try (faker + """
        sinks:
          out:
            use: elasticsearch.write
            inputs: [gen]
            config: {urls: ["http://127.0.0.1:9200"], index: p, username: u, password: [EchoPass12], api_key: "${ES_KEY}"}
        """).write(toFile: file, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["ES_KEY"] = "EnvKey99"
        let bad = try TestSupport.runProcess(TestSupport.sluice, ["validate", file], environment: env)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("sinks.out.config.password"), bad.stderr)
        XCTAssertFalse(bad.stderr.contains("EchoPass12"), bad.stderr)

        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "[EchoPass12]", with: "LiteralPass5")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let ok = try TestSupport.runProcess(TestSupport.sluice, ["validate", file], environment: env)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stderr.contains("warning: \(file):7:"), ok.stderr)
        XCTAssertTrue(ok.stderr.contains("sinks.out.config.password: a secret written in clear; put it in the environment and write ${PASSWORD} instead"), ok.stderr)
        XCTAssertFalse(ok.stderr.contains("api_key"), "a secret from ${ES_KEY} draws no warning: \(ok.stderr)")
        XCTAssertFalse(ok.stderr.contains("LiteralPass5") || ok.stderr.contains("EnvKey99"), ok.stderr)
    }

    /// The helper itself, on the shapes the plugins' messages take.
    func testRedactionShapes() throws {
        let config = try JSONParser.parse(#"{"uri": "mongodb://a:UriPass1@h/", "sasl.password": "SaslPass2", "auth": {"bearer": "Bear3rTok"}, "name": "plain-value"}"#)
        let secrets = Redaction.secrets(in: config)
        XCTAssertEqual(Set(secrets), ["UriPass1", "SaslPass2", "Bear3rTok"])
        let cases = [
            ("GET http://u:pw1234@h:9/x failed", "GET http://u:***@h:9/x failed"),
            ("poll http://h/r?token=abc123&n=1 failed", "poll http://h/r?token=***&n=1 failed"),
            (#"{"password":"p4ssw0rd","user":"u"}"#, #"{"password":"***","user":"u"}"#),
            ("sasl.password=k4fka rejected", "sasl.password=*** rejected"),
            ("nothing secret: id=7", "nothing secret: id=7"),
            ("HTTP 401 (Basic dTpEZW55UGFzczY2)", "HTTP 401 (Basic ***)"),
        ]
        for (input, expected) in cases { XCTAssertEqual(Redaction.redact(input), expected) }
        XCTAssertEqual(Redaction.redact("echo SaslPass2 back", secrets: secrets), "echo *** back")
    }
}
