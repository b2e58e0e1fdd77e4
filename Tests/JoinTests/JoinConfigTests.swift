import JoinPlugin
import SluiceSDK
import XCTest

final class JoinConfigTests: XCTestCase {
    private func config(_ json: String) throws -> JoinConfig { try JoinConfig(Config(json: json)) }

    private func reason(_ json: String, inputs: [String] = ["a", "b"]) -> String {
        do {
            _ = try config(json).streams(inputNames: inputs)
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
        XCTAssertEqual(try c.streams(inputNames: ["orders", "payments"]).map(\.side), [.left, .right])
        XCTAssertEqual(c.onStop, .emit)
        XCTAssertNil(c.lateToOutput, "late rows to the late output when it is wired, else the dead-letter queue")
    }

    func testInputsMapToSidesByName() throws {
        let c = try config(#"{"left": {"input": "payments", "key": "k"}, "right": {"input": ["eu", "us"], "key": "k"}, "between": {"lower_ms": 0, "upper_ms": 0}}"#)
        XCTAssertEqual(try c.streams(inputNames: ["us", "payments", "eu"]).map(\.side), [.right, .left, .right])
        let rest = try config(#"{"left": {"input": "orders", "key": "k"}, "right": {"key": "k"}, "between": {"lower_ms": 0, "upper_ms": 0}}"#)
        XCTAssertEqual(try rest.streams(inputNames: ["p1", "orders", "p2"]).map(\.side), [.right, .left, .right], "the side without a list takes the rest")
    }

    func testOneInputFeedsBothSidesWhenEachSideSaysWhichRecordsAreItsOwn() throws {
        let c = try config(#"{"left": {"input": "events", "key": "k", "when": {"field": "kafka.topic", "equals": "orders"}}, "right": {"input": "events", "key": "k", "as": "payment", "when": {"field": "kafka.topic", "equals": "payments"}}, "between": {"lower_ms": 0, "upper_ms": 0}}"#)
        let streams = try c.streams(inputNames: ["events"])
        XCTAssertEqual(streams.map(\.side), [.left, .right])
        XCTAssertEqual(streams.map(\.port), [0, 0])
        XCTAssertEqual(streams.map(\.name), ["events.left", "events.payment"])
        var w = BSONWriter()
        w.appendDocument("kafka") { $0.append("topic", string: "orders") }
        w.finish().withUnsafeBytes { bytes in
            XCTAssertTrue(streams[0].when!.matches(BSONDocument(bytes)))
            XCTAssertFalse(streams[1].when!.matches(BSONDocument(bytes)))
        }
        XCTAssertTrue(reason(#"{"left": {"input": "a", "key": "k", "when": {"field": "t", "equals": "x"}}, "right": {"input": "a", "key": "k"}, "between": {"lower_ms": 0, "upper_ms": 0}}"#, inputs: ["a"]).contains("give each side a `when`"))
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
        XCTAssertEqual(Set(schema["$defs"]?["side"]?["properties"]?.object?.keys ?? []), ["input", "key", "time", "as", "prefix", "when"])
    }
}
