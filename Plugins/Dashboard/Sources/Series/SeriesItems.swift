/// Something placed on a time axis, kept in a `TimeWindow`.
public protocol Timed: Sendable, Equatable {
    /// Milliseconds since the epoch.
    var time: Int64 { get }
    /// Whether `other` takes this item's place rather than standing beside it
    /// (a replayed reading for the same time replaces the first).
    func replaces(_ other: Self) -> Bool
}

extension Timed {
    public func replaces(_ other: Self) -> Bool { time == other.time }
}

/// One reading of one field.
public struct SeriesPoint: Timed {
    public let time: Int64
    public let value: Double

    public init(time: Int64, value: Double) {
        self.time = time
        self.value = value
    }
}

/// A forecast for one time with its 80% and 95% intervals.
public struct PredictedStep: Timed {
    public let time: Int64
    public let value: Double
    public let lower80: Double
    public let upper80: Double
    public let lower95: Double
    public let upper95: Double

    public init(time: Int64, value: Double, lower80: Double, upper80: Double, lower95: Double, upper95: Double) {
        (self.time, self.value, self.lower80, self.upper80, self.lower95, self.upper95) = (time, value, lower80, upper80, lower95, upper95)
    }
}

/// The newest forecast of a key and field: every horizon step from the reading at `from`.
public struct ForecastOverlay: Sendable, Equatable {
    public let from: Int64
    public let steps: [PredictedStep]

    public init(from: Int64, steps: [PredictedStep]) {
        self.from = from
        self.steps = steps
    }
}

/// An alert opening or clearing, as the forecaster's `alerts` output says it.
public struct AlertMark: Timed {
    public enum State: String, Sendable {
        case opened, cleared
    }

    public let time: Int64
    public let name: String
    public let rule: String
    public let state: State
    public let value: Double

    public init(time: Int64, name: String, rule: String, state: State, value: Double) {
        (self.time, self.name, self.rule, self.state, self.value) = (time, name, rule, state, value)
    }

    /// Several rules may open at one time; only the same rule's same transition is a replay.
    public func replaces(_ other: AlertMark) -> Bool {
        time == other.time && name == other.name && state == other.state
    }
}
