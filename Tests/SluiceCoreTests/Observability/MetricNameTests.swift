@testable import SluiceCore
import XCTest

/// Plugin metric names with labels (ABI 1.2), parsed without a registry.
final class MetricNameTests: XCTestCase {
    func testPlainNameHasNoLabels() {
        XCTAssertEqual(MetricName(parsing: "requests_total"), MetricName(parsing: "requests_total{}"))
        XCTAssertEqual(MetricName(parsing: "requests_total")?.labels.count, 0)
    }

    func testLabelsKeepTheirOrderAndUnescapeValues() throws {
        let m = try XCTUnwrap(MetricName(parsing: #"consumer_lag_records{topic="a\"b",partition="3",path="c:\\d\nx"}"#))
        XCTAssertEqual(m.name, "consumer_lag_records")
        XCTAssertEqual(m.labels.map(\.0), ["topic", "partition", "path"])
        XCTAssertEqual(m.labels.map(\.1), ["a\"b", "3", "c:\\d\nx"])
    }

    func testMalformedNamesAreRefused() {
        for bad in ["", "9lives", "a-b", "a{", "a{x=1}", #"a{x="1"#, #"a{x="1",}"#, #"a{x="1"y="2"}"#, #"a{x="1"}b"#,
                    #"a{x="1",x="2"}"#, #"a{component="c"}"#, #"a{pipeline="p"}"#, #"a{le="1"}"#, #"a{1x="1"}"#] {
            XCTAssertNil(MetricName(parsing: bad), bad)
        }
    }
}
