import Foundation
import SluiceHTTP
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The plugin in a running `sluice`: file.read → dashboard, read back over
/// HTTP (`/api/series`) and as server-sent events, with curl as the client.
final class DashboardPipelineTests: XCTestCase {
    static let start: Int64 = 1_700_000_000_000
    static let sensors = ["s1", "s2", "s3"]

    /// Readings `range` of each sensor, 60 s apart: sensor k reads i + k/10 at step i.
    func readings(_ range: Range<Int>) -> String {
        range.flatMap { i in
            Self.sensors.enumerated().map { k, sensor in
                #"{"sensor": "\#(sensor)", "t": \#(Self.start + Int64(i) * 60_000), "temp": \#(Double(i) + Double(k) / 10)}"#
            }
        }.joined(separator: "\n") + "\n"
    }

    func manifest(input: String, marks: String, port: Int, dir: String) -> String {
        """
        engine: {state_dir: \(dir)/state}
        sources:
          readings: {use: file.read, config: {path: \(input), follow: true}}
          marks: {use: file.read, config: {path: \(marks), follow: true}}
        sinks:
          dashboard:
            use: dashboard.serve
            inputs: [readings, marks]
            config:
              listen: 127.0.0.1:\(port)
              key_fields: [sensor]
              value_fields: [temp]
              time_field: t
              window: 50
              alert_inputs: [marks]
          rejects: {use: file.write, config: {path: \(dir)/dead-letter.ndjson}}
        dead_letter: rejects
        """
    }

    /// `[[t, v]]` of one key's `temp` in a snapshot.
    func points(_ snapshot: JSONValue, _ key: String) -> [[Double]] {
        let entry = snapshot["keys"]?.array?.first { $0["key"]?.string == key }
        return (entry?["fields"]?["temp"]?["points"]?.array ?? []).map { ($0.array ?? []).compactMap(\.number) }
    }

    func expected(_ k: Int, _ range: Range<Int>) -> [[Double]] {
        range.map { [Double(Self.start + Int64($0) * 60_000), Double($0) + Double(k) / 10] }
    }

    func testSeriesAndEventsShowEachKeysNewestReadings() throws {
        let dir = TestSupport.tempDir("dashboard-pipeline")
        let (input, marks) = (dir + "/readings.ndjson", dir + "/marks.ndjson")
        try readings(0 ..< 80).write(toFile: input, atomically: true, encoding: .utf8)
        let alert = #"{"key": "s2", "field": "temp", "rule": "value > 70", "name": "hot", "state": "opened", "value": 70.1, "time": 1700004200000}"#
        try (alert + "\n").write(toFile: marks, atomically: true, encoding: .utf8)
        let port = try ManagedServer.freePort()
        let dashboard = try RunningDashboard(manifest: manifest(input: input, marks: marks, port: port, dir: dir), port: port, dir: dir)
        defer { dashboard.stop() }

        let full = Dictionary(uniqueKeysWithValues: Self.sensors.map { ($0, ["temp": 50]) })
        var snapshot = try dashboard.series { RunningDashboard.counts($0) == full && $0["keys"]?.array?.count == 3 }
        snapshot = try dashboard.series { s in
            s["keys"]?.array?.contains { $0["key"]?.string == "s2" && $0["fields"]?["temp"]?["alerts"]?.array?.count == 1 } == true
        }
        XCTAssertEqual(RunningDashboard.counts(snapshot), full, "window: 50 of the 80 readings per key")
        for (k, sensor) in Self.sensors.enumerated() {
            XCTAssertEqual(points(snapshot, sensor), expected(k, 30 ..< 80), "\(sensor): the newest 50, in time order")
        }
        let s2 = snapshot["keys"]?.array?.first { $0["key"]?.string == "s2" }
        XCTAssertEqual(s2?["fields"]?["temp"]?["alerts"], [["time": 1_700_004_200_000, "name": "hot", "rule": "value > 70",
                                                             "state": "opened", "value": 70.1]])
        XCTAssertEqual(snapshot["limits"]?["points"], 50)

        // A page connecting now gets the current windows, then each change once.
        let events = dir + "/events.txt"
        FileManager.default.createFile(atPath: events, contents: nil)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sN", "--max-time", "20", dashboard.base + "/api/events"]
        curl.standardOutput = FileHandle(forWritingAtPath: events)
        try curl.run()
        defer { if curl.isRunning { curl.terminate() } }
        let read = { (try? String(contentsOfFile: events, encoding: .utf8)) ?? "" }
        XCTAssertTrue(eventually(timeout: 10) { read().contains("event: snapshot\ndata: ") && read().hasSuffix("\n\n") })
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: input))
        handle.seekToEndOfFile()
        handle.write(Data(readings(80 ..< 85).utf8))
        try handle.close()
        let streamed = { Self.parse(read()).filter { $0.event == "update" }.flatMap { update in
            (update.data["keys"]?.array ?? []).flatMap { $0["fields"]?["temp"]?["points"]?.array ?? [] }
        } }
        XCTAssertTrue(eventually(timeout: 10) { streamed().count == 15 }, read())
        curl.terminate()
        curl.waitUntilExit()

        let stream = Self.parse(read())
        XCTAssertEqual(stream.first?.event, "snapshot")
        XCTAssertEqual(stream.first?.data, snapshot, "the snapshot on connect is /api/series")
        var byKey: [String: [[Double]]] = [:]
        for update in stream.dropFirst() {
            XCTAssertEqual(update.event, "update")
            XCTAssertEqual(update.data["evicted"], [])
            for entry in update.data["keys"]?.array ?? [] {
                byKey[entry["key"]?.string ?? "", default: []] += (entry["fields"]?["temp"]?["points"]?.array ?? []).map { ($0.array ?? []).compactMap(\.number) }
            }
        }
        for (k, sensor) in Self.sensors.enumerated() {
            XCTAssertEqual(byKey[sensor], expected(k, 80 ..< 85), "\(sensor): each new reading streamed once")
        }
        let after = try dashboard.series()
        for (k, sensor) in Self.sensors.enumerated() {
            XCTAssertEqual(points(after, sensor), expected(k, 35 ..< 85), "\(sensor): the oldest left as the new arrived")
        }

        XCTAssertEqual(dashboard.get("/")?.header("content-type"), "text/html; charset=utf-8")
        XCTAssertTrue(String(decoding: dashboard.get("/")?.body ?? [], as: UTF8.self).contains(#"<script src="/dashboard.js">"#))
        XCTAssertEqual(dashboard.get("/dashboard.js")?.header("content-type"), "text/javascript; charset=utf-8")
        XCTAssertEqual(dashboard.get("/nope")?.status, 404)
        let head = try dashboard.client.send(method: "HEAD", url: dashboard.base + "/api/events", body: nil)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("content-type"), "text/event-stream", "HEAD answers the headers and does not stream")
        XCTAssertEqual(dashboard.stop(), 0, dashboard.stderr)
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead-letter.ndjson"), 0)
    }

    func testAPortInUseFailsTheStartNamingTheAddress() throws {
        let dir = TestSupport.tempDir("dashboard-port")
        let port = try ManagedServer.freePort()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', \(port))); s.listen(); time.sleep(60)"]
        try holder.run()
        defer { holder.terminate() }
        XCTAssertTrue(eventually(timeout: 10) { ManagedServer.accepts(port: port) })
        try readings(0 ..< 1).write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        try manifest(input: dir + "/in.ndjson", marks: dir + "/in.ndjson", port: port, dir: dir)
            .write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TestSupport.runProcess(TestSupport.sluice, ["run", dir + "/p.yaml", "--no-progress"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("listen: 127.0.0.1:\(port) is already in use"), result.stderr)
    }

    func testValidateNamesAnAlertInputThatIsNotAnInput() throws {
        let dir = TestSupport.tempDir("dashboard-validate")
        try readings(0 ..< 1).write(toFile: dir + "/in.ndjson", atomically: true, encoding: .utf8)
        let manifest = manifest(input: dir + "/in.ndjson", marks: dir + "/in.ndjson", port: 8090, dir: dir)
            .replacingOccurrences(of: "alert_inputs: [marks]", with: "alert_inputs: [forecast.alerts]")
        try manifest.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TestSupport.runProcess(TestSupport.sluice, ["validate", dir + "/p.yaml"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("alert_inputs: 'forecast.alerts' is not one of this sink's inputs (readings, marks)"), result.stderr)
    }

    /// Server-sent events: `event:` and one `data:` line each, blank-line separated.
    static func parse(_ text: String) -> [(event: String, data: JSONValue)] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var event = "message", data: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            return data.flatMap { try? JSONParser.parse($0) }.map { (event, $0) }
        }
    }
}
