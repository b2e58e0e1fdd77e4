/// What the dashboard keeps for one key and one field: the readings, the
/// one-step-ahead forecasts made for them (to draw the interval along the
/// history), the newest full forecast, and alert marks. `FieldSeries.Delta`
/// is the same shape holding only what changed, which is what the page is sent.
public struct FieldSeries: Sendable, Equatable {
    public var points: TimeWindow<SeriesPoint>
    public var predicted: TimeWindow<PredictedStep>
    public var forecast: ForecastOverlay?
    public var alerts: TimeWindow<AlertMark>

    public init(limits: WindowLimits) {
        points = TimeWindow(capacity: limits.points)
        predicted = TimeWindow(capacity: limits.points)
        alerts = TimeWindow(capacity: limits.alerts)
    }

    /// New items and the newest forecast, in the order they were kept.
    public struct Delta: Sendable, Equatable {
        public var points: [SeriesPoint] = []
        public var predicted: [PredictedStep] = []
        public var forecast: ForecastOverlay?
        public var alerts: [AlertMark] = []

        public init() {}

        public var isEmpty: Bool { points.isEmpty && predicted.isEmpty && forecast == nil && alerts.isEmpty }
    }

    /// Everything held, as a delta from nothing.
    public var whole: Delta {
        var d = Delta()
        d.points = Array(points.items)
        d.predicted = Array(predicted.items)
        d.forecast = forecast
        d.alerts = Array(alerts.items)
        return d
    }

    mutating func add(_ value: Double, at time: Int64, to delta: inout Delta) {
        let point = SeriesPoint(time: time, value: value)
        if points.insert(point) != .dropped { delta.points.append(point) }
    }

    /// Takes a forecast: its first step joins the history of predictions,
    /// and it becomes the overlay unless a newer one is already shown (a
    /// stale reading's forecast starts no later than the last one's).
    mutating func add(_ overlay: ForecastOverlay, to delta: inout Delta) {
        guard let first = overlay.steps.first else { return }
        if predicted.insert(first) != .dropped { delta.predicted.append(first) }
        if let shown = forecast?.steps.first, shown.time > first.time { return }
        forecast = overlay
        delta.forecast = overlay
    }

    mutating func add(_ alert: AlertMark, to delta: inout Delta) {
        if alerts.insert(alert) != .dropped { delta.alerts.append(alert) }
    }
}
