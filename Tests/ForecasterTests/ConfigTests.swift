import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// The processor's config: durations to steps, model choice, rules, and refusals that name the key.
final class ConfigTests: XCTestCase {
    func parse(_ json: String) throws -> ForecastConfig { try ForecastConfig(Config(json: json)) }

    func refusal(_ json: String) -> String {
        do {
            _ = try parse(json)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    func testDurations() {
        XCTAssertEqual(Duration.millis("500ms"), 500)
        XCTAssertEqual(Duration.millis("90s"), 90000)
        XCTAssertEqual(Duration.millis("15m"), 900_000)
        XCTAssertEqual(Duration.millis("1h30m"), 5_400_000)
        XCTAssertEqual(Duration.millis("1d"), 86_400_000)
        XCTAssertEqual(Duration.millis("1.5h"), 5_400_000)
        XCTAssertNil(Duration.millis("soon"))
        XCTAssertNil(Duration.millis("3 parsecs"))
        XCTAssertNil(Duration.millis(""))
    }

    func testDurationsBecomeSteps() throws {
        let c = try parse(#"{"value_fields": ["t"], "interval": "1h", "season": "24h", "horizon": "6h", "max_gap": "5d"}"#)
        XCTAssertEqual(c.settings.intervalMillis, 3_600_000)
        XCTAssertEqual(c.settings.season, 24)
        XCTAssertEqual(c.horizon, 6)
        XCTAssertEqual(c.settings.maxGap, 120)
        XCTAssertEqual(c.settings.models, ModelKind.allCases, "auto runs every model, holt-winters too with a season")
        XCTAssertEqual(c.snapshotIntervalMillis, 60000)
    }

    func testDefaults() throws {
        let c = try parse(#"{"value_fields": ["t"], "interval": 60000}"#)
        XCTAssertEqual(c.horizon, 1)
        XCTAssertEqual(c.settings.season, 1)
        XCTAssertEqual(c.settings.models, [.ewma, .holt, .ar], "no season: no holt-winters candidate")
        XCTAssertEqual(c.settings.maxGap, 48)
        XCTAssertEqual(c.sentinels, [])
        XCTAssertEqual(c.keyFields, [])
    }

    func testSeasonAutoDetectsUpToMaxSeason() throws {
        let auto = try parse(#"{"value_fields": ["t"], "interval": "1h", "season": "auto", "max_season": "2d"}"#)
        XCTAssertEqual(auto.settings.maxSeason, 48)
        XCTAssertEqual(auto.settings.warmup, 144, "three of the longest season looked for")
        XCTAssertEqual(auto.settings.models, ModelKind.allCases, "holt-winters stays a candidate: a series may have a season")
        XCTAssertEqual(auto.settings.maxGap, 144)
        let holtWinters = try parse(#"{"value_fields": ["t"], "interval": "1h", "model": "holt-winters"}"#)
        XCTAssertEqual(holtWinters.settings.maxSeason, 48, "holt-winters with no season given detects one")
        XCTAssertNil(try parse(#"{"value_fields": ["t"], "interval": "1h"}"#).settings.maxSeason, "auto without a season stays without")
    }

    func testRulesAreParsedAtCreateWithTheirField() throws {
        let c = try parse(#"""
        {"value_fields": ["Water Temperature", "Turbidity"], "interval": "1h",
         "alerts": ["anomaly > 4 for 3 readings",
                    {"rule": "forecast(+3h) < 10", "field": "Water Temperature", "name": "cold ahead"}]}
        """#)
        XCTAssertEqual(c.rules.count, 2)
        XCTAssertNil(c.rules[0].field)
        XCTAssertEqual(c.rules[1].field, "Water Temperature")
        XCTAssertEqual(c.rules[1].name, "cold ahead")
        XCTAssertEqual(c.rules[1].subject, .forecast(steps: 3))
    }

    func testRefusalsNameTheKey() {
        XCTAssertTrue(refusal(#"{"value_fields": ["t"], "interval": "1h", "season": "90m"}"#).contains("season"))
        XCTAssertTrue(refusal(#"{"value_fields": ["t"], "interval": "1h", "model": "holt-winters", "season": 1}"#)
            .contains("holt-winters needs a season"))
        XCTAssertTrue(refusal(#"{"value_fields": ["t"], "interval": "1h", "season": 24, "max_season": 48}"#).contains("max_season"))
        XCTAssertTrue(refusal(#"{"value_fields": ["t"], "interval": "1h", "season": "auto", "max_season": 1}"#).contains("max_season"))
        XCTAssertTrue(refusal(#"{"value_fields": [], "interval": "1h"}"#).contains("value_fields"))
        XCTAssertTrue(refusal(#"{"value_fields": ["t"]}"#).contains("interval"))
        XCTAssertTrue(refusal(#"{"value_fields": ["t"], "interval": "1h", "alerts": ["t > 3"]}"#).contains("alert rule 't > 3'"))
        XCTAssertTrue(refusal(#"{"value_fields": ["t"], "interval": "1h", "alerts": [{"rule": "value > 3", "field": "x"}]}"#)
            .contains("'x' is not one of value_fields"))
        XCTAssertTrue(refusal(#"{"value_fields": ["t"], "interval": "1h", "horizon": 0}"#).contains("horizon"))
    }

    /// Every problem at once, one per line, each led by its key: `sluice
    /// validate` reported them one per run.
    func testEveryProblemIsReportedInOnePass() {
        let lines = refusal(#"{"value_fields": ["t"], "interval": -1, "horizon": 0, "season": "abc", "reorder_window": "zz", "model": "holtt", "alerts": ["t > 3"]}"#)
            .split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
        XCTAssertEqual(lines, ["interval", "horizon", "season", "model", "alerts", "reorder_window"])
        XCTAssertEqual(refusal(#"{"value_fields": ["t"], "interval": "soon"}"#), "interval: expected a duration such as 1h, or ms",
                       "one line per key")
    }
}
