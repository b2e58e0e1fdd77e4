import Foundation
import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// `auto` on the real Chicago beach readings in the repo: water temperature
/// per beach, hourly, with gaps and a winter between seasons.
final class BeachDataTests: XCTestCase {
    struct Reading {
        let beach: String
        let time: Int64
        let temperature: Double?
    }

    static func readings() throws -> [Reading] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../examples/data/beach_water_quality_sample.csv").standardized.path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        let format = DateFormat("MM/dd/yyyy hh:mm:ss a")
        // Local (Chicago) wall time read as UTC: the daily season follows the local clock.
        return lines.compactMap { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count > 2, let time = format.parse(cells[1]) else { return nil }
            return Reading(beach: cells[0], time: time, temperature: Double(cells[2]))
        }
    }

    func testAutoBeatsNaiveAndSeasonalNaive() throws {
        let hour = Synthetic.hour
        let settings = SeriesSettings(intervalMillis: hour, season: 24, models: ModelKind.allCases, maxGap: 72)
        var forecasts = KeyedForecasts(settings: settings, fields: ["Water Temperature"], rules: [])
        var seen: [String: [Int64: Double]] = [:]
        var errors = (auto: 0.0, naive: 0.0, seasonal: 0.0)
        var n = 0
        var rewarmed = 0
        for r in try Self.readings().sorted(by: { $0.time < $1.time }) {
            let slot = forecasts.slot(for: r.beach)
            let series = forecasts.series(slot, 0)
            let step = settings.slot(of: r.time)
            // Scored only where all three forecasts exist for the same reading: the next hour, with
            // a model, the previous hour and the same hour yesterday seen.
            if let y = r.temperature, let last = series.lastSlot, step == last + 1, let f = series.forecast(1),
               let previous = seen[r.beach]?[last], let dayAgo = seen[r.beach]?[step - 24]
            {
                errors.auto += abs(y - f.value)
                errors.naive += abs(y - previous)
                errors.seasonal += abs(y - dayAgo)
                n += 1
            }
            if forecasts.observe(slot, 0, time: r.time, value: r.temperature).rewarmed { rewarmed += 1 }
            if let y = r.temperature { seen[r.beach, default: [:]][step] = y }
        }
        let mae = (auto: errors.auto / Double(n), naive: errors.naive / Double(n), seasonal: errors.seasonal / Double(n))
        print("beach water temperature, \(n) one-step forecasts: MAE auto \(mae.auto), naive \(mae.naive), seasonal naive \(mae.seasonal)")
        XCTAssertGreaterThan(n, 1000, "enough points to compare")
        XCTAssertGreaterThanOrEqual(rewarmed, 6, "every beach comes back after the winter and re-warms")
        XCTAssertLessThan(mae.auto, mae.naive)
        XCTAssertLessThan(mae.auto, mae.seasonal)
    }
}
