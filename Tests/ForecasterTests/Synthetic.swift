import Foundation
import SluiceSDK
@testable import ForecasterPlugin

/// Seeded synthetic series with known parameters, and a way to feed them to a model.
enum Synthetic {
    static let hour: Int64 = 3_600_000

    /// level + trend·t + amplitude·sin(2πt/season) + N(0, noise²), t = 0…n-1.
    static func series(_ n: Int, level: Double, trend: Double = 0, amplitude: Double = 0, season: Int = 24,
                       noise: Double, seed: UInt64 = 7) -> [Double]
    {
        var random = SeededRandom(seed: seed)
        return (0 ..< n).map { t in
            level + trend * Double(t) + amplitude * seasonal(t, season) + noise * random.gaussian()
        }
    }

    static func seasonal(_ t: Int, _ season: Int) -> Double { sin(2 * Double.pi * Double(t) / Double(season)) }

    /// Runs `values` through a model fitted on the first `warmup`, returning
    /// it and the one-step errors after the warm-up.
    static func run<M: ForecastModel>(_: M.Type, _ values: [Double], warmup: Int, season: Int = 1) -> (M, [Double]) {
        var model = M.fit(Array(values[0 ..< warmup]), firstSlot: 0, season: season).model
        var errors: [Double] = []
        for y in values[warmup...] {
            errors.append(y - model.forecast(1))
            model.observe(y)
        }
        return (model, errors)
    }

    static func rms(_ xs: ArraySlice<Double>) -> Double { (xs.map { $0 * $0 }.reduce(0, +) / Double(xs.count)).squareRoot() }
    static func rms(_ xs: [Double]) -> Double { rms(xs[...]) }
}
