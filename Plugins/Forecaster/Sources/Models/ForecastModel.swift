/// An online forecaster of one series on a regular time grid.
///
/// Steps are grid slots: `observe` consumes the next slot's value and
/// `skip` advances over a slot with no reading, so a gap moves the state
/// forward (trend and season keep their place) without inventing a value.
/// Every call is O(1); state is O(season).
public protocol ForecastModel: Sendable {
    static var kind: ModelKind { get }

    /// Fits the model's constants on a warm-up `window` (NaN marks a missing
    /// step; `firstSlot` is the grid slot of `window[0]`) and returns it
    /// positioned after the window's last step, with the mean squared
    /// one-step error over the window's second half: the first half sets
    /// the state up, so the error is scored on steps the start did not see
    /// and models with more state do not look better than they are.
    static func fit(_ window: [Double], firstSlot: Int64, season: Int) -> (model: Self, meanSquaredError: Double)

    /// The forecast `h` steps past the last one consumed (h ≥ 1).
    func forecast(_ h: Int) -> Double

    /// Consumes the next step's value and keeps adapting the constants on
    /// the one-step error.
    mutating func observe(_ y: Double)

    /// Advances one step with no reading.
    mutating func skip()

    /// The variance of the `h`-step error in units of the one-step error variance.
    func varianceFactor(_ h: Int) -> Double

    func encode(_ w: inout SnapshotWriter)
    init(decoding r: inout SnapshotReader) throws
}

extension ForecastModel {
    /// Runs the model over `window`, returning the mean squared one-step
    /// error over the non-missing steps of its second half.
    mutating func replay(_ window: [Double]) -> Double {
        let scoredFrom = window.count / 2
        var sum = 0.0
        var n = 0
        for (i, y) in window.enumerated() {
            if y.isNaN {
                skip()
                continue
            }
            if i >= scoredFrom {
                let e = y - forecast(1)
                sum += e * e
                n += 1
            }
            observe(y)
        }
        return n == 0 ? .infinity : sum / Double(n)
    }

    /// The candidate built by `make` with the lowest warm-up error.
    static func best<Constants>(of grid: [Constants], on window: [Double],
                                _ make: (Constants) -> Self) -> (model: Self, meanSquaredError: Double)
    {
        var best: (model: Self, meanSquaredError: Double)?
        for constants in grid {
            var model = make(constants)
            let mse = model.replay(window)
            if best == nil || mse < best!.meanSquaredError || !best!.meanSquaredError.isFinite {
                best = (model, mse)
            }
        }
        return best!
    }
}

/// The models a series can use; `auto` runs all of them and uses the best.
public enum ModelKind: String, CaseIterable, Sendable {
    case ewma
    case holt
    case holtWinters = "holt-winters"
    case ar
}

/// Mean of the non-missing values in `values`, or nil when all are missing.
func meanOfPresent<C: Collection>(_ values: C) -> Double? where C.Element == Double {
    var sum = 0.0
    var n = 0
    for v in values where !v.isNaN {
        sum += v
        n += 1
    }
    return n == 0 ? nil : sum / Double(n)
}
