import JoinPlugin
import SluiceSDK
import XCTest

final class JoinConfigTests: XCTestCase {
    private func config(_ json: String) throws -> JoinConfig { try JoinConfig(Config(json: json)) }

    private func reason(_ json: String, inputs: [String] = ["a", "b"]) -> String {
        do {
            _ = try config(json).sides(inputNames: inputs)
            return "accepted"
        } catch { return "\(error)" }
    }

    func testDefaultsAndTypes() throws {
        let c = try config(#"{"type": "full", "left": {"key": "order_id", "time": {"field": "created_at", "format": "epoch_ms"}}, "right": {"key": ["order_id"]}, "between": {"lower_ms": 0, "upper_ms": 60000}}"#)
        XCTAssertEqual(c.settings, JoinSettings(lower: 0, upper: 60000, type: .full, maxOutOfOrderness: 5000, idleTimeout: 10000, maxRows: 1_000_000))
        XCTAssertEqual(c.left.key, KeyFields(["order_id"]))
        XCTAssertNotNil(c.left.time)
        XCTAssertNil(c.right.time, "no time config: the record's own event time")
        XCTAssertEqual(c.left.name, "left")
        XCTAssertEqual(c.right.prefix, "right_")
        XCTAssertEqual(try c.sides(inputNames: ["orders", "payments"]), [.left, .right])
        XCTAssertEqual(c.onStop, .emit)
        XCTAssertFalse(c.lateToOutput, "late rows to the dead-letter queue unless the late output is asked for")
    }

    func testInputsMapToSidesByName() throws {
        let c = try config(#"{"left": {"input": "payments", "key": "k"}, "right": {"input": ["eu", "us"], "key": "k"}, "between": {"lower_ms": 0, "upper_ms": 0}}"#)
        XCTAssertEqual(try c.sides(inputNames: ["us", "payments", "eu"]), [.right, .left, .right])
        let rest = try config(#"{"left": {"input": "orders", "key": "k"}, "right": {"key": "k"}, "between": {"lower_ms": 0, "upper_ms": 0}}"#)
        XCTAssertEqual(try rest.sides(inputNames: ["p1", "orders", "p2"]), [.right, .left, .right], "the side without a list takes the rest")
    }

    func testErrorsNameTheKey() {
        let base = #""between": {"lower_ms": 0, "upper_ms": 0}"#
        XCTAssertTrue(reason(#"{"left": {"key": "k"}, "right": {"key": "k"}, \#(base)}"#, inputs: ["a"]).contains("exactly two inputs"))
        XCTAssertTrue(reason(#"{"left": {"input": "x", "key": "k"}, "right": {"key": "k"}, \#(base)}"#).contains(#"left.input: "x" is not among inputs"#))
        XCTAssertTrue(reason(#"{"left": {"input": "a", "key": "k"}, "right": {"input": "a", "key": "k"}, \#(base)}"#).contains("on both sides"))
        XCTAssertTrue(reason(#"{"left": {"input": ["a", "b"], "key": "k"}, "right": {"key": "k"}, \#(base)}"#).contains("each side needs"))
        XCTAssertTrue(reason(#"{"left": {"key": "k"}, "right": {"key": "k"}, "between": {"lower_ms": -5, "upper_ms": 0}}"#).contains("is empty"))
        XCTAssertTrue(reason(#"{"left": {"key": []}, "right": {"key": "k"}, \#(base)}"#).contains("left.key: required"))
        XCTAssertTrue(reason(#"{"type": "outer", "left": {"key": "k"}, "right": {"key": "k"}, \#(base)}"#).contains("type: unknown"))
        XCTAssertTrue(reason(#"{"left": {"key": "k", "time": {"field": "t", "timezone": "Mars/Base"}}, "right": {"key": "k"}, \#(base)}"#).contains("left.time."))
        XCTAssertEqual(reason(#"{"left": {"key": "k"}, "right": {"key": "k"}, \#(base)}"#), "accepted")
    }

    /// The schema the host checks manifests against is valid JSON and names every key `JoinConfig` reads.
    func testSchemaCoversTheConfig() throws {
        let schema = try JSONParser.parse(JoinConfig.schema)
        let keys = schema["properties"]?.object?.keys ?? []
        XCTAssertEqual(Set(keys), ["type", "left", "right", "between", "max_out_of_orderness_ms", "allowed_lateness_ms",
                                   "idle_timeout_ms", "max_rows", "output", "late", "on_stop"])
        XCTAssertEqual(Set(schema["$defs"]?["side"]?["properties"]?.object?.keys ?? []), ["input", "key", "time", "as", "prefix"])
    }
}
