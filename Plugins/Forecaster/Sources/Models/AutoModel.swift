/// The candidate models of one series, run side by side; forecasts come from
/// the one with the lowest recent one-step error.
///
/// `model: auto` makes every kind a candidate (holt-winters only with a
/// season); naming one model makes it the only candidate, so one code path
/// serves both. Each update costs one update per candidate: O(1).
///
/// Every kind has its place inline, a candidate or not (an unfitted
/// placeholder holds no state and allocates nothing), and `candidates` says
/// which are in use. Held as optionals, reaching the chosen one copied it
/// out first (about 200 bytes on every forecast); an optional takes the
/// same room as the value, so the memory is the same.
public struct AutoModel: Sendable {
    /// First, so that a series' header and its Holt-Winters state (the
    /// model the benchmark's target is for) share their cache lines.
    var holtWinters = Candidate<HoltWinters>()
    var ewma = Candidate<EWMA>()
    var holt = Candidate<Holt>()
    var ar = Candidate<AutoRegressive>()
    /// The kinds in use, as bits by `ModelKind.index`; 0 before the fit.
    private(set) var candidates: UInt8 = 0
    /// The model forecasts come from (meaningless while `candidates` is 0).
    public private(set) var chosen = ModelKind.ewma

    /// No candidates: a series that is still warming up.
    init() {}

    /// Fits every kind in `kinds` on the warm-up window.
    public init(kinds: [ModelKind], window: [Double], firstSlot: Int64, season: Int) {
        precondition(!kinds.isEmpty, "AutoModel needs a candidate")
        chosen = kinds[0]
        for kind in kinds {
            candidates |= kind.bit
            switch kind {
            case .ewma: ewma = Candidate(fittedOn: window, firstSlot: firstSlot, season: season)
            case .holt: holt = Candidate(fittedOn: window, firstSlot: firstSlot, season: season)
            case .holtWinters: holtWinters = Candidate(fittedOn: window, firstSlot: firstSlot, season: season)
            case .ar: ar = Candidate(fittedOn: window, firstSlot: firstSlot, season: season)
            }
        }
        choose()
    }

    /// Fitted: there is a model to forecast from.
    var isFitted: Bool { candidates != 0 }

    /// More than one candidate: only then is there a choice to make per update.
    var choosing: Bool { candidates & (candidates - 1) != 0 }

    func has(_ kind: ModelKind) -> Bool { candidates & kind.bit != 0 }

    /// Learns `y` in every candidate; returns the chosen model's anomaly score for it.
    public mutating func observe(_ y: Double) -> Double {
        guard choosing else {
            switch chosen {
            case .ewma: return ewma.observe(y)
            case .holt: return holt.observe(y)
            case .holtWinters: return holtWinters.observe(y)
            case .ar: return ar.observe(y)
            }
        }
        let scores = (ewma: has(.ewma) ? ewma.observe(y) : 0, holt: has(.holt) ? holt.observe(y) : 0,
                      holtWinters: has(.holtWinters) ? holtWinters.observe(y) : 0, ar: has(.ar) ? ar.observe(y) : 0)
        let z: Double
        switch chosen {
        case .ewma: z = scores.ewma
        case .holt: z = scores.holt
        case .holtWinters: z = scores.holtWinters
        case .ar: z = scores.ar
        }
        choose()
        return z
    }

    /// Advances every candidate over a step with no reading.
    public mutating func skip() {
        if has(.ewma) { ewma.skip() }
        if has(.holt) { holt.skip() }
        if has(.holtWinters) { holtWinters.skip() }
        if has(.ar) { ar.skip() }
    }

    /// `forecast` for models reached through a pointer: a non-mutating
    /// call on `pointee` copied every candidate first (Swift cannot tell the
    /// memory is not written during the call); inout, they are read in place.
    mutating func forecastInPlace(_ h: Int) -> StepForecast {
        switch chosen {
        case .ewma: return ewma.forecastInPlace(h)
        case .holt: return holt.forecastInPlace(h)
        case .holtWinters: return holtWinters.forecastInPlace(h)
        case .ar: return ar.forecastInPlace(h)
        }
    }

    /// The chosen model's forecast `h` steps ahead.
    public func forecast(_ h: Int) -> StepForecast {
        switch chosen {
        case .ewma: return ewma.forecast(h)
        case .holt: return holt.forecast(h)
        case .holtWinters: return holtWinters.forecast(h)
        case .ar: return ar.forecast(h)
        }
    }

    /// A candidate's recent mean absolute one-step error; nil if it is not a candidate.
    public func recentError(of kind: ModelKind) -> Double? {
        guard has(kind) else { return nil }
        switch kind {
        case .ewma: return ewma.residuals.recentError
        case .holt: return holt.residuals.recentError
        case .holtWinters: return holtWinters.residuals.recentError
        case .ar: return ar.residuals.recentError
        }
    }

    mutating func choose() {
        guard var bestError = recentError(of: chosen) else { return }
        for kind in ModelKind.allCases {
            if let e = recentError(of: kind), e < bestError {
                chosen = kind
                bestError = e
            }
        }
    }

    func encode(_ w: inout SnapshotWriter) {
        w.write(chosen.rawValue)
        for kind in ModelKind.allCases { w.write(has(kind)) }
        if has(.ewma) { ewma.encode(&w) }
        if has(.holt) { holt.encode(&w) }
        if has(.holtWinters) { holtWinters.encode(&w) }
        if has(.ar) { ar.encode(&w) }
    }

    init(decoding r: inout SnapshotReader) throws {
        let name = try r.readString()
        guard let kind = ModelKind(rawValue: name) else { throw SnapshotError.malformed("unknown model \(name)") }
        chosen = kind
        for kind in ModelKind.allCases where try r.readBool() { candidates |= kind.bit }
        if has(.ewma) { ewma = try Candidate(decoding: &r) }
        if has(.holt) { holt = try Candidate(decoding: &r) }
        if has(.holtWinters) { holtWinters = try Candidate(decoding: &r) }
        if has(.ar) { ar = try Candidate(decoding: &r) }
        guard has(chosen) else { throw SnapshotError.malformed("chosen model \(name) is not a candidate") }
    }
}
