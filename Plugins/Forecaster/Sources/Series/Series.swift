/// One forecast series (one key, one value field): readings placed on the
/// grid, a warm-up window, then the fitted models.
public struct Series {
    /// Slot of the last reading taken in, if any.
    public private(set) var lastSlot: Int64?
    /// The fitted models, in the series itself: a series is one contiguous
    /// block in the keyed store, reached with no pointer to follow, no
    /// reference count and no uniqueness check per update (they were behind
    /// a class reference: a second cache miss per update at 10,000 keys).
    /// No candidates while warming up.
    var models = AutoModel()
    /// Warm-up values (NaN for a missing step) while no model is fitted.
    var window: [Double] = []
    var windowStart: Int64 = 0

    /// The fitted models; nil while warming up.
    public var model: AutoModel? { models.isFitted ? models : nil }

    /// The season the models were fitted with (detected or configured); 1 for none.
    public private(set) var season = 1

    /// The model forecasts come from; nil while warming up.
    public var chosenModel: ModelKind? { models.isFitted ? models.chosen : nil }

    public init() {}

    /// What one reading did to the series.
    public struct Step: Sendable, Equatable {
        /// The standardised one-step error, once the models are fitted.
        public var anomaly: Double?
        /// The reading came after a gap longer than `maxGap`: the old state was dropped.
        public var rewarmed = false
        /// The reading's slot was not after the last one (late or duplicate) and
        /// it was not learned (during the warm-up a late reading fills its gap instead).
        public var stale = false
    }

    /// Takes in a reading at `time` (ms); nil `value` (missing or a sentinel)
    /// changes nothing: the next reading's gap advances the state instead.
    public mutating func observe(time: Int64, value: Double?, _ settings: SeriesSettings) -> Step {
        var step = Step()
        guard let value, value.isFinite else { return step }
        let slot = settings.slot(of: time)
        var gap = 0
        if let last = lastSlot {
            guard slot > last else {
                // Still warming up, a late reading can fill its missing step; a fitted model cannot learn the past.
                let i = Int(clamping: slot - windowStart)
                if !models.isFitted, i >= 0, i < window.count, window[i].isNaN {
                    window[i] = value
                } else {
                    step.stale = true
                }
                return step
            }
            gap = Int(clamping: slot - last - 1)
        }
        if gap > settings.maxGap {
            models = AutoModel()
            window.removeAll(keepingCapacity: true)
            step.rewarmed = true
            gap = 0
        }
        lastSlot = slot
        if models.isFitted {
            for _ in 0 ..< gap { models.skip() }
            step.anomaly = models.observe(value)
            return step
        }
        if window.isEmpty {
            windowStart = slot
            // Grown by doubling, the window cost five allocations and copies per key.
            window.reserveCapacity(settings.warmup)
        }
        if gap > 0 { window.append(contentsOf: repeatElement(.nan, count: gap)) }
        window.append(value)
        if window.count >= settings.warmup {
            season = settings.season(of: window)
            models = AutoModel(kinds: settings.models(season: season), window: window, firstSlot: windowStart, season: season)
            window = []
        }
        return step
    }

    /// Steps still to collect before the first forecast.
    public func warmupRemaining(_ settings: SeriesSettings) -> Int {
        models.isFitted ? 0 : settings.warmup - window.count
    }

    /// The forecast `h` steps after the last reading; nil while warming up.
    public func forecast(_ h: Int) -> StepForecast? { models.isFitted ? models.forecast(h) : nil }

    /// `forecast` for a series reached through a pointer (see `AutoModel.forecastInPlace`).
    mutating func forecastInPlace(_ h: Int) -> StepForecast? { models.isFitted ? models.forecastInPlace(h) : nil }

    func encode(_ w: inout SnapshotWriter) {
        w.write(lastSlot != nil)
        w.write(lastSlot ?? 0)
        w.write(windowStart)
        w.write(window)
        w.write(models.isFitted)
        w.write(season)
        if models.isFitted { models.encode(&w) }
    }

    init(decoding r: inout SnapshotReader) throws {
        let hasLast = try r.readBool()
        let last = try r.read(Int64.self)
        lastSlot = hasLast ? last : nil
        windowStart = try r.read(Int64.self)
        window = try r.readDoubles()
        let fitted = try r.readBool()
        season = try r.readInt()
        guard season >= 1 else { throw SnapshotError.malformed("season \(season)") }
        if fitted { models = try AutoModel(decoding: &r) }
    }
}
