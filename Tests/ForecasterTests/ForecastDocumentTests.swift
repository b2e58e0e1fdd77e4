import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// The forecast section and the alert record, read back as BSON.
final class ForecastDocumentTests: XCTestCase {
    let hour = Synthetic.hour
    let settings = SeriesSettings(intervalMillis: 3_600_000, season: 24, models: ModelKind.allCases, maxGap: 72)

    func written(_ body: (inout BSONWriter) -> Void) -> [UInt8] {
        var w = BSONWriter()
        body(&w)
        return w.finish()
    }

    func testForecastSectionHasEveryStepOrderedIntervalsAndTimes() {
        var series = Series()
        var step = Series.Step()
        for (i, y) in Synthetic.series(24 * 5, level: 20, amplitude: 2, noise: 0.3).enumerated() {
            step = series.observe(time: Int64(i) * hour, value: y, settings)
        }
        var steps: [StepForecast] = []
        let bytes = written {
            ForecastDocument.appendForecast(&$0, "Water Temperature", &series, step, horizon: 6, settings: settings, steps: &steps)
        }
        bytes.withUnsafeBytes { raw in
            let doc = BSONDocument(raw)
            XCTAssertTrue(BSONDocument.isWellFormed(raw))
            guard let f = doc["Water Temperature"]?.document else { return XCTFail("no section") }
            XCTAssertEqual(f["status"]?.string, "ok")
            XCTAssertEqual(f["model"]?.string, series.chosenModel?.rawValue)
            XCTAssertEqual(f["anomaly"]?.double, step.anomaly)
            func array(_ name: String) -> [Double] { f[name]?.document?.elements.compactMap { $0.number } ?? [] }
            let at = f["at"]?.document?.elements.compactMap { $0.datetime } ?? []
            XCTAssertEqual(at, (1 ... 6).map { Int64(24 * 5 - 1 + $0) * hour })
            let (v, l80, u80, l95, u95) = (array("value"), array("lower80"), array("upper80"), array("lower95"), array("upper95"))
            XCTAssertEqual(v.count, 6)
            for h in 0 ..< 6 {
                XCTAssertEqual(v[h], series.forecast(h + 1)!.value)
                XCTAssert(l95[h] < l80[h] && l80[h] < v[h] && v[h] < u80[h] && u80[h] < u95[h], "step \(h + 1)")
            }
        }
    }

    func testWarmingSectionSaysHowManyStepsAreLeft() {
        var series = Series()
        let step = series.observe(time: 0, value: 1, settings)
        var steps: [StepForecast] = []
        let bytes = written { ForecastDocument.appendForecast(&$0, "t", &series, step, horizon: 3, settings: settings, steps: &steps) }
        bytes.withUnsafeBytes { raw in
            let f = BSONDocument(raw)["t"]?.document
            XCTAssertEqual(f?["status"]?.string, "warming")
            XCTAssertEqual(f?["warmup_remaining"]?.integer, 47)
            XCTAssertNil(f?["value"])
        }
    }

    func testAlertRecord() throws {
        let rule = try AlertRule("value > 30 for 2 readings", name: "warm", field: "t", intervalMillis: hour)
        let alert = AlertEvent(key: "Calumet Beach", field: "t", rule: rule, transition: .opened, value: 31, reading: 31, time: 7 * hour)
        let bytes = written { ForecastDocument.appendAlert(&$0, alert) }
        bytes.withUnsafeBytes { raw in
            let doc = BSONDocument(raw)
            XCTAssertEqual(doc["key"]?.string, "Calumet Beach")
            XCTAssertEqual(doc["field"]?.string, "t")
            XCTAssertEqual(doc["rule"]?.string, "value > 30 for 2 readings")
            XCTAssertEqual(doc["name"]?.string, "warm")
            XCTAssertEqual(doc["state"]?.string, "opened")
            XCTAssertEqual(doc["value"]?.double, 31)
            XCTAssertEqual(doc["time"]?.datetime, 7 * hour)
        }
    }
}
