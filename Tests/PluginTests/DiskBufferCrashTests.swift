import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// A disk-buffered MongoDB sink behind an HTTP push source answering only
/// once readings are safe (`ack: delivered`): while the MongoDB server is
/// dead, pushes are still answered 2xx (the readings are fsync'd in the
/// buffer); the host is then SIGKILLed, the server comes back, and a second
/// run of the same manifest writes every acknowledged reading into MongoDB.
final class DiskBufferCrashTests: XCTestCase {
    func testEveryAcknowledgedReadingArrivesAfterASIGKILLWhileTheSinkIsDown() throws {
        let dir = TestSupport.tempDir("disk-buffer-crash")
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        var mongo = try ManagedServer.mongo(dataDir: dir + "/data", logDir: dir)
        try mongo.start()
        defer { mongo.stop() }
        let mongoPort = mongo.port
        let uri = "mongodb://127.0.0.1:\(mongoPort)"
        let pushPort = try ManagedServer.freePort()
        let manifest = dir + "/buffered.yaml"
        try """
        engine: {initial_backoff_ms: 50, max_backoff_ms: 300, state_dir: \(dir)/state, dead_letter_path: \(dir)/dead.ndjson,
                 batch: {max_records: 100, max_wait_ms: 5}}
        sources:
          gw:
            use: http-sensor.push
            config: {listen: "127.0.0.1:\(pushPort)", auth_token: t0k, ack: delivered, request_timeout_ms: 5000}
        sinks:
          mongo:
            use: mongodb.write
            inputs: [gw]
            buffer: {type: disk, max_bytes: 67108864}
            config: {uri: "\(uri)", database: beach, collection: readings, mode: insert}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)

        let client = HTTPClient(headers: [], timeoutMillis: 5000)
        func push(_ ids: Range<Int>) -> Bool {
            let body = ids.map { #"{"id":\#($0),"beach":"Montrose Beach","water":\#(Double($0 % 30) + 0.5)}"# + "\n" }.joined()
            let answer = try? client.send(method: "POST", url: "http://127.0.0.1:\(pushPort)/readings", body: Array(body.utf8),
                                          headers: ["Content-Type: application/x-ndjson", "Authorization: Bearer t0k"])
            return answer.map { (200 ..< 300).contains($0.status) } ?? false
        }
        func waitForHealth() throws {
            for _ in 0 ..< 400 {
                if let r = try? client.send(method: "GET", url: "http://127.0.0.1:\(pushPort)/health", body: nil), r.status == 200 { return }
                usleep(25_000)
            }
            throw TestFailure("the push endpoint did not start")
        }
        func stored() -> [Int] {
            let docs = (try? MongoProbe(uri: uri, database: "beach", collection: "readings").documents()) ?? []
            return docs.compactMap { $0.withUnsafeBytes { BSONDocument($0)["id"]?.integer.map(Int.init) } }
        }

        let first = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: dir + "/first.log")
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        try waitForHealth()
        var acknowledged: [Int] = []
        XCTAssertTrue(push(0 ..< 200))
        acknowledged += 0 ..< 200
        mongo.kill()
        // The server is gone: only the disk buffer can make these safe.
        for start in stride(from: 200, to: 3200, by: 300) where push(start ..< start + 300) {
            acknowledged += start ..< start + 300
        }
        XCTAssertEqual(acknowledged.count, 3200, "pushes were refused while the sink's server was down; log:\n\((try? String(contentsOfFile: dir + "/first.log", encoding: .utf8)) ?? "")")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()

        mongo = try ManagedServer.mongo(dataDir: dir + "/data", port: mongoPort, logDir: dir)
        try mongo.start()
        let second = try TestSupport.launch(["run", manifest, "--no-progress"], stderr: dir + "/second.log")
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        let deadline = Date(timeIntervalSinceNow: 60)
        var ids = stored()
        while Set(ids).count < Set(acknowledged).count, Date() < deadline {
            usleep(200_000)
            ids = stored()
        }
        second.terminate()
        second.waitUntilExit()
        let log = (try? String(contentsOfFile: dir + "/second.log", encoding: .utf8)) ?? ""
        XCTAssertEqual(second.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("left in the disk buffer"), "the restart did not say it replayed the buffer:\n\(log)")
        let missing = Set(acknowledged).subtracting(ids)
        XCTAssertTrue(missing.isEmpty, "\(missing.count) acknowledged readings never reached MongoDB, e.g. \(missing.sorted().prefix(5)); log:\n\(log)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/dead.ndjson"), "readings were dead-lettered")
        print("disk buffer crash: \(acknowledged.count) acknowledged, \(ids.count) stored, \(ids.count - Set(ids).count) duplicates")
    }
}
