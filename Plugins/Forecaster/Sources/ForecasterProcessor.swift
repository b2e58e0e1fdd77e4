import SluiceSDK

/// `forecaster.forecast`: per-key online forecasts of numeric fields.
///
/// Each record passes on enriched with `forecast.<field>`: the forecast for
/// each horizon step with its grid time, 80% and 95% intervals, the model in
/// use and the reading's anomaly score (or `status: warming` until the
/// series has its warm-up window). Alert rules emit open/clear records on
/// the named output `alerts`. Model state is saved to the instance's state
/// directory every `snapshot_interval` and at drain, and restored at create.
public final class ForecasterProcessor: Processor {
    public static let name = "forecast"
    public static let summary = "Per-key online forecasts with prediction intervals, anomaly scores and threshold alerts"
    public static let configSchema = ForecastConfig.schema
    public static let outputs = ["alerts"]
    static let alertsOutput = outputIndex("alerts")!
    static let forecastKey = Array("forecast".utf8)

    let config: ForecastConfig
    let host: PluginHost
    var forecasts: KeyedForecasts
    let snapshotPath: String?
    var lastSnapshotMillis: Int64?
    var changedSinceSnapshot = false
    var writer = BSONWriter(capacity: 1024)
    var alertWriter = BSONWriter(capacity: 256)
    var pendingAlerts: [AlertEvent] = []
    let alertsOpened: Metric
    let alertsCleared: Metric
    let keysGauge: Metric
    let openAlertsGauge: Metric
    /// Kept beside the gauge so a transition costs no scan of every alert state.
    var openAlerts = 0

    public static func check(config: Config, host: PluginHost) throws {
        _ = try ForecastConfig(config)
    }

    public required init(config: Config, host: PluginHost) throws {
        self.config = try ForecastConfig(config)
        self.host = host
        forecasts = KeyedForecasts(settings: self.config.settings, fields: self.config.valueFields, rules: self.config.rules)
        alertsOpened = host.metric(.counter, "alerts_opened_total", help: "alerts opened")
        alertsCleared = host.metric(.counter, "alerts_cleared_total", help: "alerts cleared")
        keysGauge = host.metric(.gauge, "keys", help: "series keys held in state")
        openAlertsGauge = host.metric(.gauge, "alerts_open", help: "alerts open now (every key, field and rule)")
        snapshotPath = host.stateDirectory.map { $0 + "/" + SnapshotFile.name }
        restore()
    }

    /// Loads the snapshot if there is one; a bad one is refused whole and the models start fresh.
    func restore() {
        guard let snapshotPath else {
            host.log(.info, "no state directory: models warm up from the stream and are not saved")
            return
        }
        do {
            guard let bytes = try SnapshotFile.read(snapshotPath) else {
                host.log(.info, "no snapshot at \(snapshotPath): models warm up from the stream")
                return
            }
            let sameRules = try forecasts.restore(bytes)
            keysGauge.record(Double(forecasts.keys.count))
            openAlerts = forecasts.openAlerts
            openAlertsGauge.record(Double(openAlerts))
            host.log(.info, "restored \(forecasts.keys.count) keys from \(snapshotPath)"
                + (sameRules ? "" : "; the alert rules changed since, so every alert starts closed"))
        } catch {
            host.log(.warning, "snapshot \(snapshotPath) refused: \(error); models start fresh")
        }
    }

    public func process(_ batch: Batch, _ output: Output) throws {
        let keysBefore = forecasts.keys.count
        for record in batch {
            let doc = record.document
            guard let time = readingTime(record) else {
                let source = config.timeField.map { "field '\($0)'" } ?? "event time"
                output.fail(record.index, "no reading time: \(source) missing or not a date")
                continue
            }
            let key = seriesKey(record)
            let slot = forecasts.slot(for: key)
            writer.reset()
            // An input that already has a forecast (a replay through a second forecaster) gets ours instead.
            Self.forecastKey.withUnsafeBytes { ours in
                for e in doc.elements where !e.keyEquals(ours) { writer.append(e) }
            }
            writer.appendDocument("forecast") { w in
                for (f, field) in config.valueFields.enumerated() {
                    let value = reading(doc, field)
                    let step = forecasts.observe(slot, f, time: time, value: value) { pendingAlerts.append($0) }
                    ForecastDocument.appendForecast(&w, field, forecasts.series(slot, f), step, horizon: config.horizon,
                                                    settings: config.settings)
                }
            }
            output.emit(writer.finish(), inputIndex: record.index)
            changedSinceSnapshot = true
            for alert in pendingAlerts { emitAlert(alert, output) }
            pendingAlerts.removeAll(keepingCapacity: true)
        }
        if forecasts.keys.count != keysBefore { keysGauge.record(Double(forecasts.keys.count)) }
    }

    public func tick(nowMillis: Int64, _ output: Output) throws {
        guard let snapshotPath, changedSinceSnapshot else { return }
        // The host's last tick comes while it drains: save then, whatever the interval.
        if let last = lastSnapshotMillis, nowMillis - last < config.snapshotIntervalMillis, !host.isStopping { return }
        do {
            try SnapshotFile.write(forecasts.snapshot(), to: snapshotPath)
            lastSnapshotMillis = nowMillis
            changedSinceSnapshot = false
        } catch {
            host.log(.error, "cannot write snapshot \(snapshotPath): \(error)")
        }
    }

    /// The series key: the key fields' values joined by " / ", else the record key.
    func seriesKey(_ record: Record) -> String {
        guard !config.keyFields.isEmpty else {
            return record.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        func text(_ field: String) -> String {
            guard let e = record.document.element(path: field) else { return "" }
            if let s = e.string { return s }
            if let n = e.integer { return String(n) }
            return e.number.map { String($0) } ?? ""
        }
        // One key field is the usual case: no array and no join per record.
        return config.keyFields.count == 1 ? text(config.keyFields[0]) : config.keyFields.map(text).joined(separator: " / ")
    }

    /// The reading's time in ms: the time field (date, ISO 8601 string or epoch ms), else the event time.
    func readingTime(_ record: Record) -> Int64? {
        guard let field = config.timeField else { return record.eventTime }
        guard let e = record.document.element(path: field) else { return nil }
        if let ms = e.datetime { return ms }
        if let s = e.string { return ISO8601.parse(s) }
        return e.integer
    }

    /// A field's numeric value; nil when missing, not a number, or a sentinel.
    func reading(_ doc: BSONDocument, _ field: String) -> Double? {
        guard let v = doc.element(path: field)?.number, v.isFinite, !config.isSentinel(v) else { return nil }
        return v
    }

    func emitAlert(_ alert: AlertEvent, _ output: Output) {
        (alert.transition == .opened ? alertsOpened : alertsCleared).record(1)
        openAlerts += alert.transition == .opened ? 1 : -1
        openAlertsGauge.record(Double(openAlerts))
        alertWriter.reset()
        ForecastDocument.appendAlert(&alertWriter, alert)
        output.emit(alertWriter.finish(), eventTime: alert.time, key: Array(alert.key.utf8), output: Self.alertsOutput)
    }
}
