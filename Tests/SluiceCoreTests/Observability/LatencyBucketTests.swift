@testable import SluiceCore
import XCTest

/// `LatencyHistogram` buckets records by whole milliseconds against limits
/// worked out once per bound: every observation lands where dividing it
/// into seconds and comparing with the bound would put it.
final class LatencyBucketTests: XCTestCase {
    func testEachLimitIsTheLargestMillisecondCountAtMostItsBound() {
        for bound in Buckets.endToEndLatency + [0.0005, 0.001, 0.0299, 0.3, 0.7, 1e-9, 0] {
            let m = LatencyHistogram.limit(bound)
            XCTAssertLessThanOrEqual(Double(m) / 1000, bound, "\(bound)")
            XCTAssertGreaterThan(Double(m + 1) / 1000, bound, "\(bound)")
        }
        XCTAssertEqual(LatencyHistogram.limit(0.01), 10)
        XCTAssertEqual(LatencyHistogram.limit(0.0005), 0)
        XCTAssertEqual(LatencyHistogram.limit(-1), -1)
        XCTAssertEqual(LatencyHistogram.limit(.infinity), .max)
    }

    func testRecordsAroundEveryBoundInAnyOrderLandInTheirBuckets() {
        let bounds = Buckets.endToEndLatency
        let histogram = LatencyHistogram(labels: [], bounds: bounds)
        let now: Int64 = 1_700_000_000_000
        // Each bound's millisecond count, one below and one above, shuffled
        // so that consecutive records jump between buckets and repeat them.
        var latencies: [Int64] = [0, 0, 1]
        for b in bounds { let m = Int64(b * 1000); latencies += [m - 1, m, m + 1, m] }
        var generator = SystemRandomNumberGenerator()
        latencies.shuffle(using: &generator)
        let records = RecordBuffer()
        for l in latencies { records.append([5, 0, 0, 0, 0], eventTime: now - l) }
        histogram.observe(records, failed: [], nowMillis: now)
        var page: [UInt8] = []
        histogram.emit(name: "h", into: &page)
        let text = String(decoding: page, as: UTF8.self)
        for b in bounds {
            let expected = latencies.filter { Double($0) / 1000 <= b }.count
            XCTAssertTrue(text.contains("h_bucket{le=\"\(b)\"} \(expected)\n"), "le=\(b): \(text)")
        }
        XCTAssertTrue(text.contains("h_count \(latencies.count)\n"), text)
    }
}
