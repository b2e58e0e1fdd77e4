import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `utf8: replace` is never silent: on the real host (a child process),
/// every replaced sequence is counted on /metrics and logged as a warning,
/// and the warning is rate-limited so a stream of bad input cannot flood the log.
final class UTF8ReplaceTests: XCTestCase {
    func testReplacementsAreCountedAndLoggedWithoutFlooding() throws {
        let dir = TestSupport.tempDir("utf8-replace")
        let port = try ManagedServer.freePort(), statusPort = try ManagedServer.freePort()
        try """
        sources:
          gw: {use: http-sensor.push, config: {listen: "127.0.0.1:\(port)", utf8: replace}}
        sinks:
          out: {use: file.write, inputs: [gw], config: {path: \(dir)/out.ndjson}}
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let log = dir + "/stderr.log"
        let host = try TestSupport.launch(["run", dir + "/p.yaml", "--no-progress", "--status-listen", "127.0.0.1:\(statusPort)"], stderr: log)
        defer { if host.isRunning { kill(host.processIdentifier, SIGKILL) } }
        let client = HTTPClient(headers: [], timeoutMillis: 5000)
        var up = false
        for _ in 0 ..< 400 where !up {
            up = (try? client.send(method: "GET", url: "http://127.0.0.1:\(port)/health", body: nil))?.status == 200
            if !up { usleep(25_000) }
        }
        XCTAssertTrue(up, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        // Three bad sequences per body: a lone continuation byte, a truncated one, an overlong one.
        let body = Array(#"{"s":"a"#.utf8) + [0x80] + Array("b".utf8) + [0xE2, 0x82] + Array("c".utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8) + [0x0A]
        var statuses: [Int] = []
        for _ in 0 ..< 50 {
            statuses.append(try client.send(method: "POST", url: "http://127.0.0.1:\(port)/readings", body: body,
                                            headers: ["Content-Type: application/x-ndjson"]).status)
        }
        XCTAssertEqual(Set(statuses), [202])
        var counted: Double?
        for _ in 0 ..< 40 where counted != 200 {
            usleep(100_000)
            guard let r = try? client.send(method: "GET", url: "http://127.0.0.1:\(statusPort)/metrics", body: nil) else { continue }
            counted = try MetricsPage(String(decoding: r.body, as: UTF8.self), dir: dir).value("sluice_http_sensor_utf8_replaced_total", ["component": "gw"])
        }
        kill(host.processIdentifier, SIGTERM)
        host.waitUntilExit()
        XCTAssertEqual(counted, 200, "4 replacements (the overlong pair is two) in each of 50 bodies")
        let warnings = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("replaced by U+FFFD") }
        XCTAssertGreaterThan(warnings.count, 0, "replace must not be silent")
        XCTAssertLessThan(warnings.count, 20, "the warning is rate-limited: \(warnings.count) lines for 50 bodies")
        let written = try TestSupport.readNDJSON(dir + "/out.ndjson")
        XCTAssertEqual(written.count, 50)
        XCTAssertEqual(written.first?["s"]?.string, "a\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}")
    }
}
