import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// `reorder_window`: readings put back in time order per key, late ones let
/// through at once, everything out exactly once at the drain.
final class ReorderBufferTests: XCTestCase {
    let hour = Synthetic.hour

    func testShuffledWithinTheWindowComesOutSorted() {
        var random = SeededRandom(seed: 12)
        // Each reading arrives up to 2 h off its place; the window is 3 h.
        let arrival = (0 ..< 200).map { (time: Int64($0) * hour, at: Double($0) + 2 * random.unit()) }.sorted { $0.at < $1.at }
        XCTAssertNotEqual(arrival.map(\.time), arrival.map(\.time).sorted(), "the input is really shuffled")
        var buffer = ReorderBuffer<Int64>(window: 3 * hour)
        var out: [Int64] = []
        for r in arrival { out += buffer.add(key: 0, time: r.time, r.time) }
        XCTAssertLessThan(out.count, 200, "the newest readings still wait for earlier ones")
        out += buffer.drain().map(\.item)
        XCTAssertEqual(out, (0 ..< 200).map { Int64($0) * hour })
        XCTAssertEqual(buffer.count, 0)
    }

    func testKeysWaitApart() {
        var buffer = ReorderBuffer<String>(window: hour)
        XCTAssertEqual(buffer.add(key: 1, time: 5 * hour, "a5"), [])
        XCTAssertEqual(buffer.add(key: 2, time: 9 * hour, "b9"), [], "another key's time does not release key 1")
        XCTAssertEqual(buffer.add(key: 1, time: 4 * hour, "a4"), [])
        XCTAssertEqual(buffer.add(key: 1, time: 7 * hour, "a7"), ["a4", "a5"])
        XCTAssertEqual(buffer.drain().map { "\($0.key):\($0.item)" }, ["1:a7", "2:b9"])
    }

    func testAReadingOlderThanWhatWentOutPassesAtOnce() {
        var buffer = ReorderBuffer<String>(window: hour)
        _ = buffer.add(key: 0, time: 1 * hour, "1")
        XCTAssertEqual(buffer.add(key: 0, time: 3 * hour, "3"), ["1"])
        XCTAssertEqual(buffer.add(key: 0, time: 0, "0"), ["0"], "later than the window: out now, for the series to mark stale")
        XCTAssertEqual(buffer.add(key: 0, time: 2 * hour, "2"), [], "after what went out: still placed in order")
        XCTAssertEqual(buffer.drain().map(\.item), ["2", "3"])
    }

    func testTiesKeepTheirArrivalOrder() {
        var buffer = ReorderBuffer<String>(window: hour)
        _ = buffer.add(key: 0, time: hour, "first")
        _ = buffer.add(key: 0, time: hour, "second")
        XCTAssertEqual(buffer.add(key: 0, time: 5 * hour, "later"), ["first", "second"])
    }

    /// The series fed through the buffer from shuffled input forecasts exactly as from sorted input.
    func testShuffledInputForecastsAsSortedInput() {
        let settings = SeriesSettings(intervalMillis: hour, season: 24, models: ModelKind.allCases, maxGap: 72)
        let values = Synthetic.series(24 * 8, level: 15, amplitude: 2, noise: 0.3, seed: 6)
        var random = SeededRandom(seed: 2)
        let shuffled = values.indices.map { (i: $0, at: Double($0) + 2.5 * random.unit()) }.sorted { $0.at < $1.at }.map(\.i)
        var sorted = KeyedForecasts(settings: settings, fields: ["t"], rules: [])
        var reordered = KeyedForecasts(settings: settings, fields: ["t"], rules: [])
        var buffer = ReorderBuffer<Int>(window: 3 * hour)
        var forecastsSorted: [Double?] = []
        var forecastsReordered: [Double?] = []
        for i in values.indices {
            sorted.observe(sorted.slot(for: "k"), 0, time: Int64(i) * hour, value: values[i])
            forecastsSorted.append(sorted.forecast(0, 0, 1)?.value)
        }
        func take(_ i: Int) {
            let step = reordered.observe(reordered.slot(for: "k"), 0, time: Int64(i) * hour, value: values[i])
            XCTAssertFalse(step.stale, "reading \(i)")
            forecastsReordered.append(reordered.forecast(0, 0, 1)?.value)
        }
        for i in shuffled { buffer.add(key: 0, time: Int64(i) * hour, i).forEach(take) }
        buffer.drain().forEach { take($0.item) }
        XCTAssertEqual(forecastsReordered, forecastsSorted)
    }
}
