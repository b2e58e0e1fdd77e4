@testable import DashboardPlugin
import SluiceSDK
import XCTest

/// The config: one declaration per key gives the schema, the default and the doc.
final class DashboardConfigTests: XCTestCase {
    func testTheSchemaDeclaresEveryKeyWithItsDefault() throws {
        let schema = try XCTUnwrap(JSONParser.parse(DashboardConfig.schema).object)
        let properties = try XCTUnwrap(schema["properties"]?.object)
        XCTAssertEqual(properties.keys, ["listen", "title", "key_fields", "value_fields", "time_field", "window", "max_keys",
                                         "max_alerts", "sentinels", "alert_inputs"])
        XCTAssertEqual(properties["window"]?["description"], "readings kept per key and field; the oldest by time leave first")
        XCTAssertEqual(properties["window"]?["default"], 500)
        XCTAssertEqual(properties["listen"]?["default"], "127.0.0.1:8090")
        XCTAssertEqual(properties["key_fields"]?["default"], nil, "a default that is not a value is said in words")
        XCTAssertEqual(properties["key_fields"]?["description"]?.string?.hasSuffix("(default: the record key)"), true)
        XCTAssertEqual(schema["required"], ["value_fields"])
    }

    func testConfigDefaultsAndAlertInputs() throws {
        let config = try DashboardConfig(Config(json: #"{"value_fields": ["temp"]}"#), inputNames: ["clean", "forecast.alerts"])
        XCTAssertEqual(config.listen, HostPort("127.0.0.1:8090"))
        XCTAssertEqual(config.limits, WindowLimits(points: 500, keys: 100, alerts: 50))
        XCTAssertEqual(config.alertPorts, [1], "an input named NAME.alerts carries alerts")
        let named = try DashboardConfig(Config(json: #"{"value_fields": ["temp"], "alert_inputs": ["marks"]}"#), inputNames: ["clean", "marks"])
        XCTAssertEqual(named.alertPorts, [1])
        XCTAssertThrowsError(try DashboardConfig(Config(json: #"{"value_fields": ["temp"], "alert_inputs": ["nope"]}"#), inputNames: ["clean"])) {
            XCTAssertTrue("\($0)".contains("alert_inputs: 'nope' is not one of this sink's inputs (clean)"), "\($0)")
        }
    }
}
