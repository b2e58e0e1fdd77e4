import SluiceCore
import XCTest

final class RateWindowTests: XCTestCase {
    func testNoRateFromOneSample() {
        var w = RateWindow()
        w.add(.init(seconds: 10, counts: ["a": 100]))
        XCTAssertEqual(w.rate("a"), 0)
    }

    func testRateSpansTheWindowAndForgetsOlderSamples() {
        var w = RateWindow(span: 3)
        for t in 0 ... 10 { w.add(.init(seconds: Double(t), counts: ["a": t < 5 ? t * 10 : 50 + (t - 5) * 100])) }
        // Samples 7…10 remain: (550 − 250) / 3.
        XCTAssertEqual(w.rate("a"), 100, accuracy: 0.001)
        XCTAssertEqual(w.rate("missing"), 0)
    }

    func testAKeyThatAppearsLaterCountsFromZeroAndACounterNeverGoesNegative() {
        var w = RateWindow(span: 10)
        w.add(.init(seconds: 0, counts: [:]))
        w.add(.init(seconds: 2, counts: ["new": 10, "reset": 0]))
        XCTAssertEqual(w.rate("new"), 5)
        var r = RateWindow(span: 10)
        r.add(.init(seconds: 0, counts: ["c": 50]))
        r.add(.init(seconds: 1, counts: ["c": 10]))
        XCTAssertEqual(r.rate("c"), 0)
    }
}
