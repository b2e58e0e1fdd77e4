import SluiceSDK

/// `forecaster.forecast`: per-key online forecasts of numeric fields.
///
/// Each record passes on enriched with `forecast.<field>`: the forecast for
/// each horizon step with its grid time, 80% and 95% intervals, the model in
/// use and the reading's anomaly score (or `status: warming` until the
/// series has its warm-up window). Alert rules emit open/clear records on
/// the named output `alerts`. Model state is saved to the instance's state
/// directory every `snapshot_interval` and at drain, and restored at create.
/// With `reorder_window`, readings wait (their deliveries held) to be
/// learned in time order per key, and go out when they are learned.
///
/// Records read from a source split (ABI 1.3: a Kafka partition) have their
/// models kept per partition, each saved to `partition-N.snapshot`. When a
/// rebalance takes a partition away, its models are saved and dropped; the
/// host that gets it restores them from that file if the state directory is
/// shared, else warms them up again, and the log says which.
public final class ForecasterProcessor: Processor {
    public static let name = "forecast"
    public static let summary = "Per-key online forecasts with prediction intervals, anomaly scores and threshold alerts"
    public static let configSchema = ForecastConfig.schema
    public static let outputs = ["alerts"]
    /// Models are kept per key and split: with `workers: N`, each key and split stays on one worker.
    public static let keyedState = true
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
    /// The horizon's forecasts of the field being written, reused from record to record.
    var horizonSteps: [StepForecast] = []
    /// A key of several fields, joined here instead of in a new String per record.
    var keyScratch: [UInt8] = []
    /// The key fields, then the time field if any, then the value fields.
    let paths: FieldPaths
    let timeIndex: Int?
    let valueStart: Int
    /// The fields `paths` found in the record at hand.
    var found: [BSONElement?] = []
    /// Readings waiting to be put in time order; nil when `reorder_window` is 0.
    var reorder: ReorderBuffer<Reading>?
    /// The source split `forecasts` and `reorder` belong to (`noSplit` for records without one).
    var currentSplit = ForecasterProcessor.noSplit
    /// The models (and reorder buffers) of the other splits in this instance.
    var parked: [UInt32: (forecasts: KeyedForecasts, reorder: ReorderBuffer<Reading>?)] = [:]
    static let noSplit = UInt32.max

    /// A reading kept in the reorder buffer: a copy of its record and the hold on its delivery.
    struct Reading {
        let document: [UInt8]
        let time: Int64
        let eventTime: Int64?
        let key: [UInt8]?
        let hold: Hold
    }

    let alertsOpened: Metric
    let alertsCleared: Metric
    let keysGauge: Metric
    let openAlertsGauge: Metric
    /// Per value field: records that did not have it.
    let absentCounters: [Metric]
    var absentFields: AbsentFields
    /// Kept beside the gauge so a transition costs no scan of every alert state.
    var openAlerts = 0

    public static func check(config: Config, host: PluginHost) throws {
        _ = try ForecastConfig(config)
    }

    public required init(config: Config, host: PluginHost) throws {
        self.config = try ForecastConfig(config)
        self.host = host
        forecasts = KeyedForecasts(settings: self.config.settings, fields: self.config.valueFields, rules: self.config.rules)
        let timeFields = self.config.timeField.map { [$0] } ?? []
        paths = FieldPaths(self.config.keyFields + timeFields + self.config.valueFields)
        timeIndex = timeFields.isEmpty ? nil : self.config.keyFields.count
        valueStart = self.config.keyFields.count + timeFields.count
        reorder = Self.reorderBuffer(self.config)
        alertsOpened = host.metric(.counter, "alerts_opened_total", help: "alerts opened")
        alertsCleared = host.metric(.counter, "alerts_cleared_total", help: "alerts cleared")
        keysGauge = host.metric(.gauge, "keys", help: "series keys held in state")
        openAlertsGauge = host.metric(.gauge, "alerts_open", help: "alerts open now (every key, field and rule)")
        absentCounters = self.config.valueFields.map {
            host.metric(.counter, "value_field_absent_total", labels: ["field": $0], help: "records without this value field")
        }
        absentFields = AbsentFields(self.config.valueFields)
        snapshotPath = host.stateDirectory.map { $0 + "/" + SnapshotFile.name }
        restore()
    }

    static func reorderBuffer(_ config: ForecastConfig) -> ReorderBuffer<Reading>? {
        config.reorderWindowMillis > 0 ? ReorderBuffer(window: config.reorderWindowMillis) : nil
    }

    /// Where a split's models are saved: the instance's snapshot for records without one.
    func snapshotPath(_ split: UInt32) -> String? {
        split == Self.noSplit ? snapshotPath : host.stateDirectory.map { "\($0)/partition-\(split).snapshot" }
    }

    /// Makes `forecasts` the models of `split`: the current ones are parked,
    /// and a split seen for the first time is restored from its snapshot.
    func switchTo(_ split: UInt32) {
        guard split != currentSplit else { return }
        parked[currentSplit] = (forecasts, reorder)
        currentSplit = split
        if let models = parked.removeValue(forKey: split) {
            (forecasts, reorder) = models
            return
        }
        forecasts = KeyedForecasts(settings: config.settings, fields: config.valueFields, rules: config.rules)
        reorder = Self.reorderBuffer(config)
        guard let path = snapshotPath(split) else { return }
        do {
            guard let bytes = try SnapshotFile.read(path) else {
                return host.log(.info, "partition \(split): no snapshot at \(path); its models warm up from the stream")
            }
            _ = try forecasts.restore(bytes)
            openAlerts += forecasts.openAlerts
            openAlertsGauge.record(Double(openAlerts))
            host.log(.info, "partition \(split): restored \(forecasts.keys.count) keys from \(path)")
        } catch {
            forecasts = KeyedForecasts(settings: config.settings, fields: config.valueFields, rules: config.rules)
            host.log(.warning, "partition \(split): snapshot \(path) refused: \(error); its models warm up from the stream")
        }
    }

    /// A rebalance took these partitions away: their models are saved for
    /// the host that gets them, then dropped. Readings still waiting in their
    /// reorder windows are let go without output; they are read again there.
    func revoke(_ splits: [UInt32]) {
        for split in splits {
            if split == currentSplit { switchTo(Self.noSplit) }
            guard let (models, waiting) = parked.removeValue(forKey: split) else { continue }
            if let path = snapshotPath(split) {
                do { try SnapshotFile.write(models.snapshot(), to: path) } catch {
                    host.log(.error, "partition \(split): cannot save its models to \(path): \(error)")
                }
            }
            var waitingReadings = waiting
            for (_, r) in waitingReadings?.drain() ?? [] { host.release(r.hold) }
            openAlerts -= models.openAlerts
            openAlertsGauge.record(Double(openAlerts))
            host.log(.info, "partition \(split) moved to another consumer: \(models.keys.count) keys saved and dropped")
        }
        keysGauge.record(Double(keyCount))
    }

    /// Keys held, every split together.
    var keyCount: Int { parked.values.reduce(forecasts.keys.count) { $0 + $1.forecasts.keys.count } }

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
        let revoked = batch.revokedSplits
        guard revoked.isEmpty else { return revoke(revoked) }
        let keysBefore = keyCount
        for record in batch {
            switchTo(record.split ?? Self.noSplit)
            paths.read(record.document, into: &found)
            noteAbsentValues(record.document)
            guard let time = readingTime(record) else {
                let source = config.timeField.map { "field '\($0)'" } ?? "event time"
                output.fail(record.index, "no reading time: \(source) missing or not a date")
                continue
            }
            let slot = seriesSlot(record)
            // A host without holds (before ABI 1.1) cannot keep the delivery open: such readings are not reordered.
            guard reorder != nil, let hold = output.hold(record.index) else {
                enrich(record.document, slot: slot, time: time)
                output.emit(writer.finish(), inputIndex: record.index)
                emitAlerts(output)
                continue
            }
            let waiting = Reading(document: Array(record.document.bytes), time: time, eventTime: record.eventTime,
                                  key: record.key.map { Array($0) }, hold: hold)
            for due in reorder!.add(key: slot, time: time, waiting) { apply(due, slot: slot, output) }
        }
        recordAbsentValues()
        if keyCount != keysBefore { keysGauge.record(Double(keyCount)) }
    }

    /// Forecasts a reading that waited in the reorder buffer, emits it with
    /// its hold attached, then ends the hold.
    func apply(_ r: Reading, slot: Int, _ output: Output) {
        r.document.withUnsafeBytes { bytes in
            let doc = BSONDocument(bytes)
            paths.read(doc, into: &found)
            enrich(doc, slot: slot, time: r.time)
        }
        output.emit(writer.finish(), eventTime: r.eventTime, key: r.key, holds: [r.hold])
        host.release(r.hold)
        emitAlerts(output)
    }

    /// Takes the reading's values (from `found`) into the key's series and
    /// writes the record with its forecast section to `writer`.
    func enrich(_ doc: BSONDocument, slot: Int, time: Int64) {
        writer.reset()
        // An input that already has a forecast (a replay through a second forecaster) gets ours instead.
        Self.forecastKey.withUnsafeBytes { ours in
            for e in doc.elements where !e.keyEquals(ours) { writer.append(e) }
        }
        writer.appendDocument("forecast") { w in
            for (f, field) in config.valueFields.enumerated() {
                let value = reading(found[valueStart + f])
                let step = forecasts.observe(slot, f, time: time, value: value) { pendingAlerts.append($0) }
                forecasts.withSeries(slot, f) { series in
                    ForecastDocument.appendForecast(&w, field, &series, step, horizon: config.horizon, settings: config.settings,
                                                    steps: &horizonSteps)
                }
            }
        }
        changedSinceSnapshot = true
    }

    func emitAlerts(_ output: Output) {
        for alert in pendingAlerts { emitAlert(alert, output) }
        pendingAlerts.removeAll(keepingCapacity: true)
    }

    public func tick(nowMillis: Int64, _ output: Output) throws {
        // The last tick: readings still waiting for earlier ones go through now, oldest first per key.
        if host.isStopping {
            for split in [currentSplit] + parked.keys.sorted() {
                switchTo(split)
                for (slot, r) in reorder?.drain() ?? [] { apply(r, slot: slot, output) }
            }
        }
        guard snapshotPath != nil, changedSinceSnapshot else { return }
        // The host's last tick comes while it drains: save then, whatever the interval.
        if let last = lastSnapshotMillis, nowMillis - last < config.snapshotIntervalMillis, !host.isStopping { return }
        var saved = true
        for (split, models) in [(currentSplit, forecasts)] + parked.map({ ($0.key, $0.value.forecasts) }) {
            guard let path = snapshotPath(split) else { continue }
            do { try SnapshotFile.write(models.snapshot(), to: path) } catch {
                saved = false
                host.log(.error, "cannot write snapshot \(path): \(error)")
            }
        }
        if saved {
            lastSnapshotMillis = nowMillis
            changedSinceSnapshot = false
        }
    }

    /// The slot of the record's series: its key is the key fields' values
    /// joined by " / ", else the record key. A single string key field (the
    /// usual case) is looked up in place, with no String made per record.
    func seriesSlot(_ record: Record) -> Int {
        guard !config.keyFields.isEmpty else {
            return forecasts.slot(forBytes: record.key ?? UnsafeRawBufferPointer(start: nil, count: 0))
        }
        if config.keyFields.count == 1, let bytes = found[0]?.stringBytes {
            return forecasts.slot(forBytes: bytes)
        }
        keyScratch.removeAll(keepingCapacity: true)
        for i in config.keyFields.indices {
            if i > 0 { keyScratch.append(contentsOf: " / ".utf8) }
            guard let e = found[i] else { continue }
            if let s = e.stringBytes { keyScratch.append(contentsOf: s) }
            else if let n = e.integer { keyScratch.append(contentsOf: String(n).utf8) }
            else if let d = e.number { keyScratch.append(contentsOf: String(d).utf8) }
        }
        return keyScratch.withUnsafeBytes { forecasts.slot(forBytes: $0) }
    }

    /// The reading's time in ms: the time field (date, ISO 8601 string or epoch ms), else the event time.
    func readingTime(_ record: Record) -> Int64? {
        guard let timeIndex else { return record.eventTime }
        guard let e = found[timeIndex] else { return nil }
        if let ms = e.datetime { return ms }
        if let s = e.string { return ISO8601.parse(s) }
        return e.integer
    }

    /// Counts the value fields `found` lacks (recorded by `recordAbsentValues`),
    /// and says once in the log which of them the first records never had.
    func noteAbsentValues(_ document: BSONDocument) {
        absentFields.count(found[valueStart...])
        if !absentFields.settled, let warning = absentFields.note(found[valueStart...], in: document) { host.log(.warning, warning) }
    }

    /// Records the batch's counts of records without each value field.
    func recordAbsentValues() {
        for (field, records) in absentFields.takeCounts() { absentCounters[field].record(Double(records)) }
    }

    /// A field's numeric value; nil when missing, not a number, or a sentinel.
    func reading(_ e: BSONElement?) -> Double? {
        guard let v = e?.number, v.isFinite, !config.isSentinel(v) else { return nil }
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
