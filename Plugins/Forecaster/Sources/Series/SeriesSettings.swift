/// How every series of a forecaster instance is modelled.
public struct SeriesSettings: Sendable, Equatable {
    /// The grid step readings are placed on, in ms.
    public var intervalMillis: Int64
    /// Steps per season; 1 means no season (or, with `maxSeason`, not known until detected).
    public var season: Int
    /// Set when the season is detected per series from its warm-up window:
    /// the longest season looked for, in steps.
    public var maxSeason: Int?
    /// The candidate models (one, or all for `auto`), in `ModelKind.allCases` order.
    public var models: [ModelKind] {
        get { ModelKind.allCases.filter { modelBits & $0.bit != 0 } }
        set { modelBits = newValue.reduce(0) { $0 | $1.bit } }
    }
    /// `models` as `ModelKind.bit`s: held as an array, it
    /// made the settings that go with every update cost a retain and a release.
    private var modelBits: UInt8 = 0
    /// A gap longer than this many steps (a sensor back after the winter)
    /// discards the state and warms up again.
    public var maxGap: Int

    public init(intervalMillis: Int64, season: Int, models: [ModelKind], maxGap: Int, maxSeason: Int? = nil) {
        self.intervalMillis = intervalMillis
        self.season = season
        self.maxGap = maxGap
        self.maxSeason = maxSeason
        self.models = models
    }

    /// Steps collected before the first fit: two seasons, so the seasonal
    /// offsets and the trend can both be told apart; when the season is to
    /// be detected, three of the longest looked for: in two, one slow wave
    /// of a drifting level passes for a season.
    public var warmup: Int {
        if let maxSeason { return max(3 * maxSeason, 16) }
        return season > 1 ? 2 * season : 16
    }

    /// The season of a series whose warm-up window is `window`.
    func season(of window: [Double]) -> Int {
        maxSeason.map { SeasonDetector.detect(window, maxSeason: $0) } ?? season
    }

    /// The candidate models for a series with `season`: holt-winters only
    /// with one, and holt in its place when it was the only model asked
    /// for and no season was found (Holt-Winters without a season is Holt).
    func models(season: Int) -> [ModelKind] {
        guard season < 2, models.contains(.holtWinters) else { return models }
        let rest = models.filter { $0 != .holtWinters }
        return rest.isEmpty ? [.holt] : rest
    }

    /// The grid slot nearest to `time` (ms since the epoch). Slots count from
    /// the epoch, so the season stays aligned to the clock across restarts.
    public func slot(of time: Int64) -> Int64 {
        let shifted = time + intervalMillis / 2
        let q = shifted / intervalMillis
        return shifted % intervalMillis < 0 ? q - 1 : q
    }

    /// A description of everything that shapes the saved state, for the snapshot's fingerprint.
    var signature: String {
        "interval=\(intervalMillis);season=\(season);maxseason=\(maxSeason ?? 0);models=\(models.map(\.rawValue).joined(separator: ","));maxgap=\(maxGap)"
    }
}
