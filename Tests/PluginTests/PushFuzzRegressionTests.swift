import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// Replays the push target's seeds and crashers (fuzz/push/corpus and
/// fuzz/push/regressions) over real connections to the push endpoint of a
/// running pipeline, each in the chunks the fuzzer cut it into, then
/// half-closes: each is answered or closed, never left hanging, and the
/// endpoint still serves a normal request after all of them. (The libFuzzer
/// harness runs the same bytes through the handler's pipeline in memory.)
final class PushFuzzRegressionTests: XCTestCase {
    func testPushInputs() throws {
        let dir = TestSupport.tempDir("push-fuzz")
        let port = try ManagedServer.freePort()
        let out = dir + "/out.ndjson"
        let root = TestSupport.repoRoot + "/fuzz/push"
        var inputs: [(String, [UInt8])] = []
        for folder in ["corpus", "regressions"] {
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []).sorted() where !file.hasPrefix(".") {
                inputs.append(("\(folder)/\(file)", try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/\(folder)/\(file)")))))
            }
        }
        XCTAssertGreaterThan(inputs.count, 5, "no inputs under \(root)")
        let yaml = """
        sources:
          gw:
            use: http-sensor.push
            config: {listen: "127.0.0.1:\(port)", max_body_bytes: 4096, max_line_bytes: 256, queue_capacity: 8, request_timeout_ms: 5000}
        sinks:
          out: {use: file.write, inputs: [gw], config: {path: \(out)}}
        """
        var answers: [String: String] = [:]
        var last: HTTPClient.Response?
        _ = try TestSupport.run(yaml, dir: dir) { engine in
            defer { engine.stop() }
            let client = HTTPClient(headers: [], timeoutMillis: 2000)
            var up = false
            for _ in 0 ..< 200 where !up {
                up = (try? client.send(method: "GET", url: "http://127.0.0.1:\(port)/health", body: nil))?.status == 200
                if !up { usleep(25_000) }
            }
            for (name, bytes) in inputs where bytes.count >= 2 {
                guard let c = try? RawConnection(port: port) else { continue }
                let step = Int(bytes[1]) + 1
                for start in stride(from: 2, to: bytes.count, by: step) {
                    c.send(bytes: Array(bytes[start ..< min(start + step, bytes.count)]))
                }
                c.finishSending()
                answers[name] = c.readUntilClosed(seconds: 10)
            }
            last = try? client.send(method: "POST", url: "http://127.0.0.1:\(port)/readings", body: Array(#"{"id":99}"#.utf8),
                                    headers: ["Content-Type: application/x-ndjson"])
        }
        for (name, bytes) in inputs where bytes.count >= 2 {
            XCTAssertNotNil(answers[name] ?? nil, "\(name): the connection was left open")
        }
        XCTAssertEqual(answers["corpus/ndjson"]?.hasPrefix("HTTP/1.1 202"), true, answers["corpus/ndjson"] ?? "")
        XCTAssertEqual(answers["corpus/long-line"]?.hasPrefix("HTTP/1.1 413"), true, answers["corpus/long-line"] ?? "")
        XCTAssertEqual(answers["corpus/cut-mid-line"]?.hasPrefix("HTTP/1.1 400"), true, answers["corpus/cut-mid-line"] ?? "")
        XCTAssertEqual(last?.status, 202, "the endpoint stopped serving")
        XCTAssertEqual(try TestSupport.readNDJSON(out).last?["id"], 99)
    }
}
