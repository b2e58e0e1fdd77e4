/// A model with the running distribution of its own one-step errors.
public struct Candidate<Model: ForecastModel>: Sendable {
    public private(set) var model: Model
    public private(set) var residuals: ResidualStats

    /// An unfitted placeholder (see `ForecastModel.init()`).
    init() {
        model = Model()
        residuals = ResidualStats(meanSquaredError: 0)
    }

    init(fittedOn window: [Double], firstSlot: Int64, season: Int) {
        let fit = Model.fit(window, firstSlot: firstSlot, season: season)
        model = fit.model
        residuals = ResidualStats(meanSquaredError: fit.meanSquaredError)
    }

    /// Scores `y` against the one-step forecast, then learns from it; returns the standardised error.
    mutating func observe(_ y: Double) -> Double {
        let forecast = model.forecast(1)
        let sigma = residuals.sigma
        let bound = ResidualStats.learnClip * sigma
        let z = residuals.record(y - forecast, sigma: sigma)
        // The model learns a spike only up to a few σ (a robust filter): one bad reading does not
        // drag level and trend, while a real shift still comes through over a few steps.
        model.observe(bound > 0 ? min(max(y, forecast - bound), forecast + bound) : y)
        return z
    }

    mutating func skip() { model.skip() }

    /// The point forecast `h` steps ahead with its 80% and 95% intervals.
    @inline(__always)
    func forecast(_ h: Int) -> StepForecast {
        let value = model.forecast(h)
        let spread = residuals.sigma * model.varianceFactor(h).squareRoot()
        return StepForecast(value: value, half80: residuals.quantile80 * spread, half95: residuals.quantile95 * spread)
    }

    /// `forecast` reached in place (see `AutoModel.forecastInPlace`). The
    /// models' `forecast` and `varianceFactor` are inlined into it: called,
    /// the model was copied out to pass it (a `memcpy` per forecast).
    mutating func forecastInPlace(_ h: Int) -> StepForecast { forecast(h) }

    func encode(_ w: inout SnapshotWriter) {
        model.encode(&w)
        residuals.encode(&w)
    }

    init(decoding r: inout SnapshotReader) throws {
        model = try Model(decoding: &r)
        residuals = try ResidualStats(decoding: &r)
    }
}

/// One horizon step: the point forecast and the half-widths of its intervals.
public struct StepForecast: Sendable, Equatable {
    /// The point forecast.
    public let value: Double
    /// Half-width of the 80% interval.
    public let half80: Double
    /// Half-width of the 95% interval.
    public let half95: Double

    public var lower80: Double { value - half80 }
    public var upper80: Double { value + half80 }
    public var lower95: Double { value - half95 }
    public var upper95: Double { value + half95 }
}
