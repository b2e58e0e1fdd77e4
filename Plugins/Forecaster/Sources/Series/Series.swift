/// One forecast series (one key, one value field): readings placed on the
/// grid, a warm-up window, then the fitted models.
public struct Series: Sendable {
    /// Slot of the last reading taken in, if any.
    public private(set) var lastSlot: Int64?
    /// Warm-up values (NaN for a missing step) while no model is fitted.
    var window: [Double] = []
    var windowStart: Int64 = 0
    public private(set) var model: AutoModel?

    public init() {}

    /// What one reading did to the series.
    public struct Step: Sendable, Equatable {
        /// The standardised one-step error, once the models are fitted.
        public var anomaly: Double?
        /// The reading came after a gap longer than `maxGap`: the old state was dropped.
        public var rewarmed = false
        /// The reading's slot was not after the last one (late or duplicate); it was not learned.
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
                step.stale = true
                return step
            }
            gap = Int(clamping: slot - last - 1)
        }
        if gap > settings.maxGap {
            model = nil
            window.removeAll(keepingCapacity: true)
            step.rewarmed = true
            gap = 0
        }
        lastSlot = slot
        if model != nil {
            // Mutated through the stored optional, in place: no copy of the models.
            for _ in 0 ..< gap { model!.skip() }
            step.anomaly = model!.observe(value)
            return step
        }
        if window.isEmpty { windowStart = slot }
        window.append(contentsOf: repeatElement(.nan, count: gap))
        window.append(value)
        if window.count >= settings.warmup {
            model = AutoModel(kinds: settings.models, window: window, firstSlot: windowStart, season: settings.season)
            window = []
        }
        return step
    }

    /// Steps still to collect before the first forecast.
    public func warmupRemaining(_ settings: SeriesSettings) -> Int {
        model == nil ? settings.warmup - window.count : 0
    }

    /// The forecast `h` steps after the last reading; nil while warming up.
    public func forecast(_ h: Int) -> StepForecast? { model?.forecast(h) }

    func encode(_ w: inout SnapshotWriter) {
        w.write(lastSlot != nil)
        w.write(lastSlot ?? 0)
        w.write(windowStart)
        w.write(window)
        w.write(model != nil)
        model?.encode(&w)
    }

    init(decoding r: inout SnapshotReader) throws {
        let hasLast = try r.readBool()
        let last = try r.read(Int64.self)
        lastSlot = hasLast ? last : nil
        windowStart = try r.read(Int64.self)
        window = try r.readDoubles()
        model = try r.readBool() ? AutoModel(decoding: &r) : nil
    }
}
