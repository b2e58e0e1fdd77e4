import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `http-sensor.push` decoding NDJSON, CSV and text bodies line by line as
/// they arrive: raw HTTP requests sent slowly, in chunks cut mid-line and
/// mid-character, to the source's server on 127.0.0.1 while the pipeline runs.
final class PushStreamingTests: XCTestCase {
    var dir = ""
    var port = 0

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("push-stream")
        port = try ManagedServer.freePort()
    }

    /// A request's status and JSON answer, as the server sent them before closing.
    struct Answer {
        let status: Int
        let body: JSONValue?
        let text: String
    }

    /// Sends `head` then `body` in `chunk`-byte pieces a little apart
    /// (`Transfer-Encoding: chunked` when `chunked`, else `Content-Length`),
    /// then reads the answer. `cutAt` stops sending there and half-closes.
    func send(_ body: [UInt8], type: String, chunk: Int = 4093, chunked: Bool = false, cutAt: Int? = nil) throws -> Answer {
        let c = try RawConnection(port: port)
        let length = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(body.count)"
        c.send("POST /readings HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: \(type)\r\n\(length)\r\n\r\n")
        let end = cutAt ?? body.count
        var at = 0
        while at < end {
            let piece = Array(body[at ..< min(at + chunk, end)])
            c.send(bytes: chunked ? Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8) : piece)
            at += piece.count
            usleep(300)
        }
        if cutAt != nil {
            c.finishSending()
        } else if chunked {
            c.send("0\r\n\r\n")
        }
        let text = c.readUntilClosed(seconds: 30) ?? ""
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let json = text.range(of: "\r\n\r\n").flatMap { try? JSONParser.parse(Array(text[$0.upperBound...].utf8)) }
        return Answer(status: status, body: json, text: text)
    }

    /// Runs push → file.write with `config` while `clients` runs, then drains it.
    func run(_ config: String, out: String, _ clients: @escaping () throws -> Void) throws {
        let yaml = """
        engine: {queue_capacity: 4, batch: {max_records: 4096, max_wait_ms: 5}}
        sources:
          gw:
            use: http-sensor.push
            config: {listen: "127.0.0.1:\(port)", request_timeout_ms: 60000, \(config)}
        sinks:
          out: {use: file.write, inputs: [gw], config: {path: \(out)}}
        """
        let failure = Box<Error?>(nil)
        _ = try TestSupport.run(yaml, dir: dir) { engine in
            do {
                let client = HTTPClient(headers: [], timeoutMillis: 1000)
                var up = false
                for _ in 0 ..< 200 where !up {
                    up = (try? client.send(method: "GET", url: "http://127.0.0.1:\(self.port)/health", body: nil))?.status == 200
                    if !up { usleep(25_000) }
                }
                guard up else { throw TestFailure("the push endpoint did not start") }
                try clients()
            } catch {
                failure.value = error
            }
            engine.stop()
        }
        if let error = failure.value { throw error }
    }

    /// 20,000 lines each of NDJSON, CSV (with a quoted field over two lines)
    /// and text, 1.2 to 1.6 MB a body, sent in 4093-byte chunks that cut
    /// lines and two-byte characters apart, with lines bounded at 256
    /// bytes: every reading arrives whole and in order, under `utf8: reject`.
    func testBigBodiesSentSlowlyInChunksAreDecodedLineByLine() throws {
        let n = 20_000
        let ndjson = (0 ..< n).map { #"{"id":\#($0),"beach":"Montrose Beach","note":"café \#($0)"}"# + "\n" }.joined()
        var csv = "id,beach,note\r\n" + (n ..< 2 * n).map { "\($0),Calumet Beach,café \($0)\r\n" }.joined()
        csv += "\(2 * n),\"Ohio Street\nBeach, north\",café\n"
        let text = (0 ..< n).map { "reading \($0) at Rainbow Beach, ☀\n" }.joined()
        let out = dir + "/out.ndjson"
        var answers: [Answer] = []
        try run("queue_capacity: 50000, max_line_bytes: 256, utf8: reject", out: out) {
            answers.append(try self.send(Array(ndjson.utf8), type: "application/x-ndjson"))
            answers.append(try self.send(Array(csv.utf8), type: "text/csv", chunked: true))
            answers.append(try self.send(Array(text.utf8), type: "text/plain", chunk: 1021))
        }
        XCTAssertEqual(answers.map(\.status), [202, 202, 202], answers.map(\.text).joined(separator: "\n"))
        XCTAssertEqual(answers.map { $0.body?["accepted"]?.integer }, [Int64(n), Int64(n + 1), Int64(n)])
        let written = try TestSupport.readNDJSON(out)
        XCTAssertEqual(written.count, 3 * n + 1)
        guard written.count == 3 * n + 1 else { return }
        XCTAssertEqual(written[0 ..< 2 * n + 1].map { $0["id"]?.integer }, (0 ... 2 * n).map { Int64($0) as Int64? })
        XCTAssertEqual(written[n + 7]["note"]?.string, "café \(n + 7)", "a two-byte character cut by a chunk is joined")
        XCTAssertEqual(written[2 * n]["beach"]?.string, "Ohio Street\nBeach, north", "a quoted CSV field over two lines")
        XCTAssertEqual(written[2 * n + 1 + 5_000]["RawData"]?.string, "reading 5000 at Rainbow Beach, ☀")
    }

    /// A line over `max_line_bytes` is refused 413 at once (before the rest
    /// of the body), a body cut off mid-line 400, a bad line 400 with its
    /// number: nothing of any of them reaches the sink, and a last line
    /// without `\n` is a line.
    func testLongLinesCutBodiesAndBadLinesAreRefusedAndNothingIsKept() throws {
        let out = dir + "/out.ndjson"
        var answers: [String: Answer] = [:]
        try run("max_line_bytes: 256", out: out) {
            let long = #"{"id":1}"# + "\n" + #"{"id":2,"pad":""# + String(repeating: "x", count: 300) + "\"}\n" + #"{"id":3}"# + "\n"
            answers["long line"] = try self.send(Array(long.utf8), type: "application/x-ndjson", chunk: 64)
            answers["no newline"] = try self.send(Array(repeating: UInt8(ascii: "a"), count: 1 << 20), type: "text/plain", chunk: 65536)
            let lines = (10 ..< 20).map { #"{"id":\#($0)}"# + "\n" }.joined() + #"{"id":20,"beach":"Mon"#
            answers["cut"] = try self.send(Array((lines + "trose\"}\n").utf8), type: "application/x-ndjson", chunk: 50,
                                           cutAt: lines.utf8.count)
            answers["csv cells"] = try self.send(Array("id,beach\n30,Calumet\n31\n".utf8), type: "text/csv", chunk: 5)
            answers["csv quote"] = try self.send(Array("id,beach\n32,\"Calumet\n33,x\n".utf8), type: "text/csv", chunk: 5)
            answers["text utf8"] = try self.send(Array("ok\nbad ".utf8) + [0xC3, 0x28] + Array("\n".utf8), type: "text/plain", chunk: 8)
            answers["ok"] = try self.send(Array("id,beach\n40,Calumet\n41,Oak Street".utf8), type: "text/csv", chunk: 3)
        }
        XCTAssertEqual(answers["long line"]?.status, 413, answers["long line"]?.text ?? "")
        XCTAssertEqual(answers["long line"]?.body?["line"], 2)
        XCTAssertTrue(answers["long line"]?.body?["error"]?.string?.hasPrefix("line 2 is longer than max_line_bytes (256)") ?? false,
                      answers["long line"]?.text ?? "")
        XCTAssertEqual(answers["no newline"]?.status, 413, answers["no newline"]?.text ?? "")
        XCTAssertEqual(answers["no newline"]?.body?["line"], 1)
        XCTAssertEqual(answers["cut"]?.status, 400, answers["cut"]?.text ?? "")
        XCTAssertEqual(answers["csv cells"]?.status, 400)
        XCTAssertEqual(answers["csv cells"]?.body?["line"], 3)
        XCTAssertEqual(answers["csv quote"]?.status, 400)
        XCTAssertTrue(answers["csv quote"]?.body?["error"]?.string?.contains("line 2: unterminated quoted field") ?? false,
                      answers["csv quote"]?.text ?? "")
        XCTAssertEqual(answers["text utf8"]?.status, 400)
        XCTAssertTrue(answers["text utf8"]?.body?["error"]?.string?.hasPrefix("line 2: invalid UTF-8 at byte 4") ?? false,
                      answers["text utf8"]?.text ?? "")
        XCTAssertEqual(answers["ok"]?.status, 202, answers["ok"]?.text ?? "")
        XCTAssertEqual(try TestSupport.readNDJSON(out).map { $0["id"]?.integer }, [40, 41], "a refused request's readings were kept")
    }

    /// `utf8: replace` on CSV and text bodies whose invalid bytes arrive in
    /// another chunk than the rest of their line: repaired to U+FFFD.
    func testReplacePolicyRepairsLinesCutAcrossChunks() throws {
        let out = dir + "/out.ndjson"
        var answers: [Answer] = []
        try run("utf8: replace", out: out) {
            answers.append(try self.send(Array("id,s\n1,a".utf8) + [0xE2, 0x82] + Array("b\n".utf8), type: "text/csv", chunk: 9))
            answers.append(try self.send(Array("x".utf8) + [0xFF] + Array("y\n".utf8), type: "text/plain", chunk: 1))
        }
        XCTAssertEqual(answers.map(\.status), [202, 202], answers.map(\.text).joined(separator: "\n"))
        let written = try TestSupport.readNDJSON(out)
        XCTAssertEqual(written.map { ($0["s"] ?? $0["RawData"])?.string }, ["a\u{FFFD}b", "x\u{FFFD}y"])
    }
}
