/// How every series of a forecaster instance is modelled.
public struct SeriesSettings: Sendable, Equatable {
    /// The grid step readings are placed on, in ms.
    public var intervalMillis: Int64
    /// Steps per season; 1 means no season.
    public var season: Int
    /// The candidate models (one, or all for `auto`).
    public var models: [ModelKind]
    /// A gap longer than this many steps (a sensor back after the winter)
    /// discards the state and warms up again.
    public var maxGap: Int

    public init(intervalMillis: Int64, season: Int, models: [ModelKind], maxGap: Int) {
        self.intervalMillis = intervalMillis
        self.season = season
        self.models = models
        self.maxGap = maxGap
    }

    /// Steps collected before the first fit: two seasons, so the seasonal
    /// offsets and the trend can both be told apart.
    public var warmup: Int { season > 1 ? 2 * season : 16 }

    /// The grid slot nearest to `time` (ms since the epoch). Slots count from
    /// the epoch, so the season stays aligned to the clock across restarts.
    public func slot(of time: Int64) -> Int64 {
        let shifted = time + intervalMillis / 2
        let q = shifted / intervalMillis
        return shifted % intervalMillis < 0 ? q - 1 : q
    }

    /// A description of everything that shapes the saved state, for the snapshot's fingerprint.
    var signature: String {
        "interval=\(intervalMillis);season=\(season);models=\(models.map(\.rawValue).joined(separator: ","));maxgap=\(maxGap)"
    }
}
