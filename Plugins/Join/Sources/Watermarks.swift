/// Per-input watermarks with idleness, and the join's horizon derived from them.
///
/// An input's watermark is its newest event time minus `maxOutOfOrderness`.
/// The join's watermark is the lowest among inputs that are not idle; an
/// input is idle once it delivered nothing for `idleTimeout` of processing
/// time, so a quiet topic does not hold outer rows back. When every input is
/// idle, the highest watermark seen counts: nothing is arriving, and what
/// arrived must still come out.
///
/// The horizon (the join's watermark minus `allowedLateness`) never moves
/// back: a row before it is late, and a stored row whose last possible
/// partner time is before it can be evicted.
public struct Watermarks: Sendable {
    struct Input: Sendable {
        var newest: Int64?
        var lastArrival: Int64
        var idle = false
    }

    private(set) var inputs: [Input]
    let maxOutOfOrderness: Int64
    let allowedLateness: Int64
    let idleTimeout: Int64
    /// Raised by `raise(to:)` when state overflows; the horizon never drops below it.
    private var floor: Int64 = .min
    /// The processing time idleness was last evaluated at.
    private var evaluated: Int64?
    public private(set) var horizon: Int64 = .min

    public init(inputs count: Int, settings: JoinSettings, now: Int64) {
        inputs = Array(repeating: Input(lastArrival: now), count: count)
        maxOutOfOrderness = settings.maxOutOfOrderness
        allowedLateness = settings.allowedLateness
        idleTimeout = settings.idleTimeout
    }

    /// Input `input` delivered a row at event time `time`.
    public mutating func observe(input: Int, time: Int64, now: Int64) {
        inputs[input].newest = max(inputs[input].newest ?? time, time)
        inputs[input].lastArrival = now
        guard now == evaluated else { return refresh(now: now) }
        // Idleness was evaluated at this time already (rows of one batch share it): only this input can have changed, to active.
        inputs[input].idle = false
        updateHorizon()
    }

    /// Re-evaluates idleness at processing time `now`.
    public mutating func refresh(now: Int64) {
        evaluated = now
        if idleTimeout > 0 {
            for i in inputs.indices {
                inputs[i].idle = now.saturatingSubtract(inputs[i].lastArrival) >= idleTimeout
            }
        }
        updateHorizon()
    }

    private mutating func updateHorizon() {
        horizon = max(horizon, floor, watermark.saturatingSubtract(allowedLateness))
    }

    /// Pushes the horizon to at least `time` (state overflow).
    public mutating func raise(to time: Int64) {
        floor = max(floor, time)
        horizon = max(horizon, floor)
    }

    /// The end of the input: every stored row can go.
    public mutating func finish() {
        raise(to: .max)
    }

    /// The watermark of one input, or nil before its first row.
    public func watermark(of input: Int) -> Int64? {
        inputs[input].newest.map { $0.saturatingSubtract(maxOutOfOrderness) }
    }

    public func isIdle(_ input: Int) -> Bool { inputs[input].idle }

    /// The join's watermark (before `allowedLateness` and overflow).
    public var watermark: Int64 {
        var active: Int64?
        var highest: Int64?
        for i in inputs.indices {
            let w = watermark(of: i)
            if !inputs[i].idle { active = min(active ?? .max, w ?? .min) }
            if let w { highest = max(highest ?? .min, w) }
        }
        return active ?? highest ?? .min
    }
}
