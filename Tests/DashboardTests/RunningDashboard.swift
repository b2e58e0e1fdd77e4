import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// A `sluice run` of a manifest with a dashboard sink, as a user starts it,
/// and a real HTTP client to read the dashboard.
final class RunningDashboard {
    let process: Process
    let port: Int
    let dir: String
    let client = HTTPClient(headers: [], timeoutMillis: 5000)

    var base: String { "http://127.0.0.1:\(port)" }
    var stderr: String { (try? String(contentsOfFile: dir + "/stderr.log", encoding: .utf8)) ?? "" }

    /// Writes `manifest` to `dir`, starts `sluice run` on it, and waits for the dashboard on `port` to answer.
    init(manifest: String, port: Int, dir: String) throws {
        self.port = port
        self.dir = dir
        try manifest.write(toFile: dir + "/pipeline.yaml", atomically: true, encoding: .utf8)
        process = try TestSupport.launch(["run", dir + "/pipeline.yaml", "--no-progress"], stderr: dir + "/stderr.log")
        guard eventually(timeout: 20, { self.get("/health")?.status == 200 }) else {
            stop()
            throw TestFailure("the dashboard did not answer on \(base): \(stderr)")
        }
    }

    func get(_ path: String) -> HTTPClient.Response? {
        try? client.send(method: "GET", url: base + path, body: nil)
    }

    /// `/api/series`, parsed.
    func series() throws -> JSONValue {
        guard let response = get("/api/series"), response.status == 200 else { throw TestFailure("GET /api/series failed") }
        return try JSONParser.parse(String(decoding: response.body, as: UTF8.self))
    }

    /// Waits until `/api/series` satisfies `done`; the last answer.
    func series(until done: (JSONValue) -> Bool, timeout: Double = 20) throws -> JSONValue {
        var last: JSONValue = .null
        _ = eventually(timeout: timeout) {
            last = (try? self.series()) ?? .null
            return done(last)
        }
        return last
    }

    /// SIGTERM, then the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Points per key and field in a snapshot: `[key: [field: count]]`.
    static func counts(_ snapshot: JSONValue) -> [String: [String: Int]] {
        var out: [String: [String: Int]] = [:]
        for entry in snapshot["keys"]?.array ?? [] {
            guard let key = entry["key"]?.string, let fields = entry["fields"]?.object else { continue }
            out[key] = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value["points"]?.array?.count ?? 0) })
        }
        return out
    }
}

/// Retries `attempt` every 50 ms until it succeeds or `timeout` seconds pass; whether it succeeded.
@discardableResult
func eventually(timeout: Double, _ attempt: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if attempt() { return true }
        usleep(50_000)
    }
    return attempt()
}

extension JSONValue {
    /// Element `i` of an array.
    subscript(i: Int) -> JSONValue? {
        guard let a = array, a.indices.contains(i) else { return nil }
        return a[i]
    }
}
