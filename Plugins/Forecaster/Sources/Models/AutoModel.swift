/// The candidate models of one series, run side by side; forecasts come from
/// the one with the lowest recent one-step error.
///
/// `model: auto` makes every kind a candidate (holt-winters only with a
/// season); naming one model makes it the only candidate, so one code path
/// serves both. Each update costs one update per candidate: O(1).
public struct AutoModel: Sendable {
    var ewma: Candidate<EWMA>?
    var holt: Candidate<Holt>?
    var holtWinters: Candidate<HoltWinters>?
    var ar: Candidate<AutoRegressive>?
    /// The model forecasts come from.
    public private(set) var chosen: ModelKind
    /// More than one candidate: only then is there a choice to make per update.
    let choosing: Bool

    /// Fits every kind in `kinds` on the warm-up window.
    public init(kinds: [ModelKind], window: [Double], firstSlot: Int64, season: Int) {
        precondition(!kinds.isEmpty, "AutoModel needs a candidate")
        chosen = kinds[0]
        choosing = kinds.count > 1
        for kind in kinds {
            switch kind {
            case .ewma: ewma = Candidate(fittedOn: window, firstSlot: firstSlot, season: season)
            case .holt: holt = Candidate(fittedOn: window, firstSlot: firstSlot, season: season)
            case .holtWinters: holtWinters = Candidate(fittedOn: window, firstSlot: firstSlot, season: season)
            case .ar: ar = Candidate(fittedOn: window, firstSlot: firstSlot, season: season)
            }
        }
        choose()
    }

    /// Learns `y` in every candidate; returns the chosen model's anomaly score for it.
    public mutating func observe(_ y: Double) -> Double {
        var z = 0.0
        if let s = ewma?.observe(y), chosen == .ewma { z = s }
        if let s = holt?.observe(y), chosen == .holt { z = s }
        if let s = holtWinters?.observe(y), chosen == .holtWinters { z = s }
        if let s = ar?.observe(y), chosen == .ar { z = s }
        if choosing { choose() }
        return z
    }

    /// Advances every candidate over a step with no reading.
    public mutating func skip() {
        ewma?.skip()
        holt?.skip()
        holtWinters?.skip()
        ar?.skip()
    }

    /// `forecast` for models reached through a pointer: a non-mutating
    /// call on `pointee` copied every candidate first (Swift cannot tell the
    /// memory is not written during the call), and `candidate!.forecast(h)`
    /// copied the chosen one out of its optional; inout, both are read in place.
    mutating func forecastInPlace(_ h: Int) -> StepForecast {
        switch chosen {
        case .ewma: return ewma!.forecastInPlace(h)
        case .holt: return holt!.forecastInPlace(h)
        case .holtWinters: return holtWinters!.forecastInPlace(h)
        case .ar: return ar!.forecastInPlace(h)
        }
    }

    /// The chosen model's forecast `h` steps ahead.
    public func forecast(_ h: Int) -> StepForecast {
        switch chosen {
        case .ewma: return ewma!.forecast(h)
        case .holt: return holt!.forecast(h)
        case .holtWinters: return holtWinters!.forecast(h)
        case .ar: return ar!.forecast(h)
        }
    }

    /// A candidate's recent mean absolute one-step error; nil if it is not a candidate.
    public func recentError(of kind: ModelKind) -> Double? {
        switch kind {
        case .ewma: return ewma?.residuals.recentError
        case .holt: return holt?.residuals.recentError
        case .holtWinters: return holtWinters?.residuals.recentError
        case .ar: return ar?.residuals.recentError
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
        for present in [ewma != nil, holt != nil, holtWinters != nil, ar != nil] { w.write(present) }
        ewma?.encode(&w)
        holt?.encode(&w)
        holtWinters?.encode(&w)
        ar?.encode(&w)
    }

    init(decoding r: inout SnapshotReader) throws {
        let name = try r.readString()
        guard let kind = ModelKind(rawValue: name) else { throw SnapshotError.malformed("unknown model \(name)") }
        chosen = kind
        let present = try (0 ..< 4).map { _ in try r.readBool() }
        if present[0] { ewma = try Candidate(decoding: &r) }
        if present[1] { holt = try Candidate(decoding: &r) }
        if present[2] { holtWinters = try Candidate(decoding: &r) }
        if present[3] { ar = try Candidate(decoding: &r) }
        choosing = present.filter { $0 }.count > 1
        guard recentError(of: chosen) != nil else { throw SnapshotError.malformed("chosen model \(name) is not a candidate") }
    }
}
