import SluiceSDK
import XCTest

final class TimeTests: XCTestCase {
    func testISO8601RoundTripAndZones() {
        XCTAssertEqual(ISO8601.parse("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(ISO8601.parse("2013-08-30T08:00:00Z"), 1_377_849_600_000)
        XCTAssertEqual(ISO8601.parse("2013-08-30T03:00:00-05:00"), 1_377_849_600_000)
        XCTAssertEqual(ISO8601.parse("2020-02-17T11:12:58.765969"), ISO8601.parse("2020-02-17T11:12:58.765Z"))
        XCTAssertEqual(ISO8601.parse("2013-08-30"), 1_377_820_800_000)
        XCTAssertEqual(ISO8601.format(milliseconds: 1_377_849_600_123), "2013-08-30T08:00:00.123Z")
        XCTAssertEqual(ISO8601.format(milliseconds: -1), "1969-12-31T23:59:59.999Z")
        for bad in ["2013-02-30", "2013-13-01", "2013-08-30T25:00", "yesterday", "2013-08-30T08:00:00+0"] {
            XCTAssertNil(ISO8601.parse(bad), bad)
        }
        XCTAssertEqual(ISO8601.parse("2024-02-29T00:00:00Z").map { ISO8601.format(milliseconds: $0) }, "2024-02-29T00:00:00.000Z")
    }

    func testDateFormatOfTheChicagoData() {
        let f = DateFormat("MM/dd/yyyy hh:mm:ss a")
        XCTAssertEqual(f.parse("08/30/2013 08:00:00 AM"), ISO8601.parse("2013-08-30T08:00:00Z"))
        XCTAssertEqual(f.parse("08/30/2013 12:00:00 AM"), ISO8601.parse("2013-08-30T00:00:00Z"))
        XCTAssertEqual(f.parse("08/30/2013 12:30:00 PM"), ISO8601.parse("2013-08-30T12:30:00Z"))
        XCTAssertEqual(f.parse("08/30/2013 04:00:00 PM", offsetMinutes: -300), ISO8601.parse("2013-08-30T21:00:00Z"))
        XCTAssertNil(f.parse("2013-08-30 08:00"))
        XCTAssertEqual(DateFormat("yyyyMMddHHmm").parse("201308302400"), ISO8601.parse("2013-08-31T00:00:00Z"))
    }
}
