import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The seed's layout, `kafka.read CleanSensorData → forecaster → dashboard`
/// (examples/sensors-dashboard.yaml as shipped), against a real
/// Kafka-protocol broker (tansu): what sensors-clean.yaml writes to the
/// topic ends up in the page's windows, with forecasts once warmed up.
final class DashboardKafkaTests: XCTestCase {
    func testCleanSensorDataFromKafkaReachesTheDashboard() throws {
        try ManagedServer.requireTestRdKafka()
        let dir = TestSupport.tempDir("dashboard-kafka")
        let kafka = try ManagedServer.kafka(logDir: dir)
        defer { kafka.stop() }
        try kafka.start()
        let brokers = "127.0.0.1:\(kafka.port)"

        // The shape sensors-clean.yaml writes: typed fields, TimeStamp a date (relaxed Extended JSON).
        let beaches = ["Calumet_Beach", "Montrose_Beach", "Rainbow_Beach"]
        let hours = 60
        let start = ISO8601.parse("2016-06-01T00:00:00Z")!
        var lines: [String] = []
        for h in 0 ..< hours {
            for (b, beach) in beaches.enumerated() {
                let temperature = 18 + Double(b) + 2 * sin(Double(h) / 24 * 2 * .pi)
                let time = ISO8601.format(milliseconds: start + Int64(h) * 3_600_000)
                lines.append(#"{"Beach": "\#(beach)", "TimeStamp": {"$date": "\#(time)"}, "WaterTemperature": \#(temperature), "#
                    + #""Turbidity": \#(1 + Double(h % 5) / 10), "BatteryLife": 9.4, "MeasurementID": \#(h * 10 + b)}"#)
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/clean.ndjson", atomically: true, encoding: .utf8)
        let kcat = try TestSupport.runProcess("/usr/bin/kcat", ["-P", "-b", brokers, "-t", "CleanSensorData", "-l", dir + "/clean.ndjson"])
        XCTAssertEqual(kcat.status, 0, kcat.stderr)

        let port = try ManagedServer.freePort()
        let manifest = try String(contentsOfFile: TestSupport.repoRoot + "/examples/sensors-dashboard.yaml", encoding: .utf8)
            .replacingOccurrences(of: "${KAFKA_BROKERS:-127.0.0.1:9092}", with: brokers)
            .replacingOccurrences(of: "${DASHBOARD_LISTEN:-127.0.0.1:8090}", with: "127.0.0.1:\(port)")
            .replacingOccurrences(of: "${SLUICE_DLQ:-../out/sensors-dashboard-dead-letter.ndjson}", with: dir + "/dead.ndjson")
            .replacingOccurrences(of: "${SLUICE_STATE:-../out/sensors-dashboard-state}", with: dir + "/state")
        let dashboard = try RunningDashboard(manifest: manifest, port: port, dir: dir)
        defer { dashboard.stop() }

        let full = Dictionary(uniqueKeysWithValues: beaches.map { ($0, ["WaterTemperature": hours, "Turbidity": hours, "BatteryLife": hours]) })
        let snapshot = try dashboard.series(until: { RunningDashboard.counts($0) == full }, timeout: 60)
        XCTAssertEqual(RunningDashboard.counts(snapshot), full, dashboard.stderr)
        for entry in snapshot["keys"]?.array ?? [] {
            let temperature = entry["fields"]?["WaterTemperature"]
            XCTAssertEqual(temperature?["forecast"]?["steps"]?.array?.count, 6, "\(entry["key"] ?? .null): 6 h ahead after the warm-up")
            XCTAssertEqual(temperature?["points"]?[0]?[0]?.integer, start)
            XCTAssertNil(entry["fields"]?["BatteryLife"]?["forecast"], "only forecast fields carry a forecast")
        }
        XCTAssertEqual(dashboard.stop(), 0, dashboard.stderr)
        XCTAssertEqual(TestSupport.lineCount(dir + "/dead.ndjson"), 0)
    }
}
