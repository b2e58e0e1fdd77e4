/// An alert opening or clearing, for one key, value field and rule.
public struct AlertEvent: Sendable, Equatable {
    /// The series key (the key fields' values).
    public let key: String
    /// The value field the rule watched.
    public let field: String
    /// The rule that opened or cleared.
    public let rule: AlertRule
    /// Whether it opened or cleared.
    public let transition: AlertState.Transition
    /// What the rule compared: the reading, the anomaly score or the forecast.
    public let value: Double
    /// The reading that caused the transition, if it had one.
    public let reading: Double?
    /// The reading's time, ms since the epoch.
    public let time: Int64
}
