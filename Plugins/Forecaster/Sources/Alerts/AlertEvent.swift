/// An alert opening or clearing, for one key, value field and rule.
public struct AlertEvent: Sendable, Equatable {
    public let key: String
    public let field: String
    public let rule: AlertRule
    public let transition: AlertState.Transition
    /// What the rule compared: the reading, the anomaly score or the forecast.
    public let value: Double
    /// The reading that caused the transition, if it had one.
    public let reading: Double?
    /// The reading's time, ms since the epoch.
    public let time: Int64
}
