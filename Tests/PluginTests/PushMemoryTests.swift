import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The push endpoint's memory under clients that send huge bodies and never
/// finish them, measured on the real host as a child process.
final class PushMemoryTests: XCTestCase {
    /// 40 connections each send 9 MiB of a JSON array (of a declared 9.5 MiB)
    /// and stay open. Each body is decoded as it streams and refused 413 at
    /// its first reading past queue_capacity, so the host's peak resident
    /// memory grows by a few MiB, not by the 360 MiB of bodies (before: every
    /// body was buffered whole, the issue measured 44 → 728 MB). A client
    /// sending a normal body is served meanwhile.
    func testUnfinishedHugeJSONArraysDoNotGrowMemory() throws {
        let reading = #"{"id":1,"beach":"Montrose Beach","water":12.5,"at":"2026-11-30T01:00:00Z"},"#
        let body = "[" + String(repeating: reading, count: 9 << 20 / reading.utf8.count)
        let answers = try measure(label: "JSON arrays", [(body, "application/json", 40)])
        XCTAssertEqual(answers.filter { $0.hasPrefix("HTTP/1.1 413") && $0.contains("more than queue_capacity (10000)") }.count, 40,
                       answers.first ?? "")
    }

    /// The same with NDJSON bodies, decoded line by line (before: buffered
    /// whole), and text bodies of one endless line, refused 413 once the line
    /// passes max_line_bytes instead of being held.
    func testUnfinishedHugeLineBodiesDoNotGrowMemory() throws {
        let reading = #"{"id":1,"beach":"Montrose Beach","water":12.5,"at":"2026-11-30T01:00:00Z"}"# + "\n"
        let ndjson = String(repeating: reading, count: 9 << 20 / reading.utf8.count)
        let endless = String(repeating: "Montrose Beach 12.5 ", count: 9 << 20 / 20)
        let answers = try measure(label: "NDJSON bodies and endless text lines",
                                  [(ndjson, "application/x-ndjson", 40), (endless, "text/plain", 10)])
        XCTAssertEqual(answers[..<40].filter { $0.hasPrefix("HTTP/1.1 413") && $0.contains("more than queue_capacity (10000)") }.count, 40,
                       answers.first ?? "")
        XCTAssertEqual(answers[40...].filter { $0.hasPrefix("HTTP/1.1 413") && $0.contains("line 1 is longer than max_line_bytes (1048576)") }.count,
                       10, answers.last ?? "")
    }

    /// Starts the host, opens `count` connections per body that each send
    /// `body` of a declared 9.5 MiB and stay open, serves one normal request
    /// meanwhile, and checks the peak RSS grew by less than 100 MiB. Returns
    /// what each connection was answered, in order.
    func measure(label: String, _ bodies: [(body: String, type: String, count: Int)]) throws -> [String] {
        let dir = TestSupport.tempDir("push-memory")
        let port = try ManagedServer.freePort()
        let out = dir + "/out.ndjson"
        let manifest = dir + "/push.yaml"
        try """
        sources:
          gw:
            use: http-sensor.push
            config: {listen: "127.0.0.1:\(port)", queue_capacity: 10000, request_timeout_ms: 120000, max_connections: 64}
        sinks:
          out: {use: file.write, inputs: [gw], config: {path: \(out)}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let host = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: dir + "/host.log")
        defer { if host.isRunning { kill(host.processIdentifier, SIGKILL) } }
        func status(_ field: String) -> Double {
            let text = (try? String(contentsOfFile: "/proc/\(host.processIdentifier)/status", encoding: .utf8)) ?? ""
            let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
            return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
        }
        let client = HTTPClient(headers: [], timeoutMillis: 10000)
        var listening = false
        for _ in 0 ..< 400 where !listening {
            listening = (try? client.send(method: "GET", url: "http://127.0.0.1:\(port)/health", body: nil))?.status == 200
            if !listening { usleep(25_000) }
        }
        XCTAssertTrue(listening, "the host did not start: \((try? String(contentsOfFile: dir + "/host.log", encoding: .utf8)) ?? "")")
        let before = status("VmRSS")

        var connections: [RawConnection] = []
        for (body, type, count) in bodies {
            let head = "POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: \(type)\r\nContent-Length: \(19 << 19)\r\n\r\n"
            for _ in 0 ..< count {
                let c = try RawConnection(port: port)
                c.send(head + body)
                connections.append(c)
            }
        }
        let served = try client.send(method: "POST", url: "http://127.0.0.1:\(port)/readings", body: Array(#"[{"id":7},{"id":8}]"#.utf8),
                                     headers: ["Content-Type: application/json"])
        let peak = status("VmHWM")
        let answers = connections.map { $0.readUntilClosed(seconds: 10) ?? "" }
        kill(host.processIdentifier, SIGTERM)
        host.waitUntilExit()

        print("push memory: RSS \(before) MiB before, peak \(peak) MiB with \(connections.count) unfinished 9 MiB \(label)")
        XCTAssertLessThan(peak - before, 100, "peak RSS grew from \(before) to \(peak) MiB")
        XCTAssertEqual(served.status, 202)
        XCTAssertEqual(try TestSupport.readNDJSON(out).map { $0["id"]?.integer }, [7, 8])
        return answers
    }
}
