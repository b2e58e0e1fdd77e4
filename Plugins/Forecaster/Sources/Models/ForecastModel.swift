/// An online forecaster of one series on a regular time grid.
///
/// Steps are grid slots: `observe` consumes the next slot's value and
/// `skip` advances over a slot with no reading, so a gap moves the state
/// forward (trend and season keep their place) without inventing a value.
/// Every call is O(1); state is O(season).
public protocol ForecastModel: Sendable {
    /// The model's name in config and output.
    static var kind: ModelKind { get }

    /// An unfitted placeholder that holds no state and allocates nothing:
    /// `AutoModel` keeps one in the place of each kind that is not a candidate.
    init()

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

    /// `observe` with the constants held where they are: how the warm-up
    /// search scores a point. Nil for a model whose learning is its
    /// constants' (AR's least squares), which the search scores by `observe`.
    static var learnsFixed: ((inout Self, Double) -> Void)? { get }

    /// The variance of the `h`-step error in units of the one-step error variance.
    func varianceFactor(_ h: Int) -> Double

    /// Writes the whole state, doubles as bit patterns, for the snapshot.
    func encode(_ w: inout SnapshotWriter)
    /// Reads what `encode` wrote, refusing sizes that do not fit together.
    init(decoding r: inout SnapshotReader) throws
}

extension ForecastModel {
    /// Runs the model over `window`, returning the mean squared one-step
    /// error over the non-missing steps of its second half.
    mutating func replay(_ window: [Double]) -> Double { replay(window, learning: { $0.observe($1) }) }

    /// The mean squared one-step error over the non-missing steps of the
    /// window's second half, as `replay`, learning by `learn`.
    mutating func replay(_ window: [Double], learning learn: (inout Self, Double) -> Void) -> Double {
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
            learn(&self, y)
        }
        return n == 0 ? .infinity : sum / Double(n)
    }

    /// The constants with the lowest warm-up error, by coordinate search:
    /// each constant in turn tries every value on its axis with the others
    /// held at the best so far. One pass costs Σ axis sizes replays instead
    /// of their product, which keeps the fit of 10,000 keys cheap. `make`
    /// returns nil for combinations outside the model's valid region.
    ///
    /// A model with `learnsFixed` scores each point with its constants held
    /// (a few instructions a step, where the tuned update costs about a
    /// hundred), then replays only the chosen point with the tuning, to set
    /// up its sensitivities and tuners, as `HoltWinters.fit` does.
    static func search(on window: [Double], from start: [Double], axes: [[Double]],
                       _ make: ([Double]) -> Self?) -> (model: Self, meanSquaredError: Double)
    {
        let learn = learnsFixed ?? { $0.observe($1) }
        var point = start
        var model = make(point)!
        let startError = model.replay(window, learning: learn)
        var best = (model: model, meanSquaredError: startError)
        for (i, axis) in axes.enumerated() {
            for value in axis where value != point[i] {
                var candidate = point
                candidate[i] = value
                guard let made = make(candidate) else { continue }
                model = made
                let mse = model.replay(window, learning: learn)
                // A finite error beats an infinite one (a window with no scored steps ties everywhere).
                if mse < best.meanSquaredError || !best.meanSquaredError.isFinite {
                    best = (model, mse)
                    point = candidate
                }
            }
        }
        guard learnsFixed != nil else { return best }
        model = make(point)!
        let error = model.replay(window)
        return (model, error)
    }
}

/// The models a series can use; `auto` runs all of them and uses the best.
public enum ModelKind: String, CaseIterable, Sendable {
    case ewma
    case holt
    case holtWinters = "holt-winters"
    case ar

    /// The kind's bit in a set of kinds, by its place in `allCases`.
    var bit: UInt8 {
        switch self {
        case .ewma: return 1
        case .holt: return 2
        case .holtWinters: return 4
        case .ar: return 8
        }
    }
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
