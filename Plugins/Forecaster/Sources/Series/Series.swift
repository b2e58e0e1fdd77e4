/// One forecast series (one key, one value field): readings placed on the
/// grid, a warm-up window, then the fitted models.
public struct Series {
    /// Slot of the last reading taken in, if any.
    public private(set) var lastSlot: Int64?
    /// Warm-up values (NaN for a missing step) while no model is fitted.
    var window: [Double] = []
    var windowStart: Int64 = 0
    /// The fitted models behind one reference (copy on write). Stored
    /// inline they made a series hundreds of bytes, and reading one out of
    /// the keyed store copied all of it, which cost more than the update.
    var storage: ModelStorage?

    /// The models in the same allocation as their reference count: a
    /// class's stored `var` paid a dynamic exclusivity check on every
    /// access, and a class holding a pointer cost a second cache miss.
    final class ModelStorage: ManagedBuffer<Void, AutoModel> {
        static func make(_ model: AutoModel) -> ModelStorage {
            // `create` returns the subclass it is called on.
            let storage = unsafeDowncast(create(minimumCapacity: 1) { _ in () }, to: ModelStorage.self)
            storage.withUnsafeMutablePointerToElements { $0.initialize(to: model) }
            return storage
        }

        /// The models; valid while this storage is referenced.
        var model: UnsafeMutablePointer<AutoModel> { withUnsafeMutablePointerToElements { $0 } }

        deinit { _ = withUnsafeMutablePointerToElements { $0.deinitialize(count: 1) } }
    }

    /// The fitted models; nil while warming up.
    public var model: AutoModel? { storage?.model.pointee }

    /// The season the models were fitted with (detected or configured); 1 for none.
    public private(set) var season = 1

    /// The model forecasts come from; nil while warming up.
    public var chosenModel: ModelKind? { storage?.model.pointee.chosen }

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
                if storage == nil, i >= 0, i < window.count, window[i].isNaN {
                    window[i] = value
                } else {
                    step.stale = true
                }
                return step
            }
            gap = Int(clamping: slot - last - 1)
        }
        if gap > settings.maxGap {
            storage = nil
            window.removeAll(keepingCapacity: true)
            step.rewarmed = true
            gap = 0
        }
        lastSlot = slot
        if storage != nil {
            if !isKnownUniquelyReferenced(&storage) { storage = ModelStorage.make(storage!.model.pointee) }
            let model = storage!.model
            for _ in 0 ..< gap { model.pointee.skip() }
            step.anomaly = model.pointee.observe(value)
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
            storage = ModelStorage.make(AutoModel(kinds: settings.models(season: season), window: window, firstSlot: windowStart,
                                                  season: season))
            window = []
        }
        return step
    }

    /// Steps still to collect before the first forecast.
    public func warmupRemaining(_ settings: SeriesSettings) -> Int {
        storage == nil ? settings.warmup - window.count : 0
    }

    /// The forecast `h` steps after the last reading; nil while warming up.
    public func forecast(_ h: Int) -> StepForecast? { storage?.model.pointee.forecastInPlace(h) }

    func encode(_ w: inout SnapshotWriter) {
        w.write(lastSlot != nil)
        w.write(lastSlot ?? 0)
        w.write(windowStart)
        w.write(window)
        w.write(storage != nil)
        w.write(season)
        storage?.model.pointee.encode(&w)
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
        storage = fitted ? ModelStorage.make(try AutoModel(decoding: &r)) : nil
    }
}
