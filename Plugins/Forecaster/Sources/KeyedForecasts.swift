/// Every key's series and alert states, flat so one key costs one table
/// lookup per record, and the snapshot of all of it.
public struct KeyedForecasts {
    /// How every series is modelled.
    public let settings: SeriesSettings
    /// The value fields; each key has one series per field.
    public let fields: [String]
    /// The alert rules, parsed at create.
    public let rules: [AlertRule]
    /// For each field, the indexes of the rules that watch it.
    let rulesByField: [[Int]]

    var table = KeyTable()
    /// The keys by slot.
    public var keys: [String] { table.keys }
    /// Series of key k, field f at k·fields.count + f.
    var series: [Series] = []
    /// Alert state of key k, field f, rule r at (k·fields.count + f)·rules.count + r.
    var alertStates: [AlertState] = []

    /// An empty store: series are created as keys first appear.
    public init(settings: SeriesSettings, fields: [String], rules: [AlertRule]) {
        self.settings = settings
        self.fields = fields
        self.rules = rules
        rulesByField = fields.map { f in rules.indices.filter { rules[$0].field == nil || rules[$0].field == f } }
    }

    /// The slot of `key`, created on first sight.
    public mutating func slot(for key: String) -> Int {
        var key = key
        return key.withUTF8 { slot(forBytes: UnsafeRawBufferPointer($0)) }
    }

    /// The slot of the key whose UTF-8 bytes are `key` (read in place, say
    /// from a BSON string), created on first sight.
    public mutating func slot(forBytes key: UnsafeRawBufferPointer) -> Int {
        let (s, added) = table.slot(adding: key)
        if added {
            // A series holds its models inline (hundreds of bytes): grown by a quarter instead of
            // doubled, the store's spare room stays near an eighth of it on average instead of a quarter to a half.
            if series.count + fields.count > series.capacity {
                series.reserveCapacity(series.count + fields.count + series.count / 4)
            }
            series.append(contentsOf: repeatElement(Series(), count: fields.count))
            alertStates.append(contentsOf: repeatElement(AlertState(), count: fields.count * rules.count))
        }
        return s
    }

    /// The series of one key (by slot) and value field (by index).
    public func series(_ slot: Int, _ field: Int) -> Series { series[slot * fields.count + field] }

    /// The forecast `h` steps ahead for one key and field, read in place:
    /// `series[i].forecast(h)` copied the series (its models inline) out of the array first.
    public mutating func forecast(_ slot: Int, _ field: Int, _ h: Int) -> StepForecast? {
        series.withUnsafeMutableBufferPointer { $0[slot * fields.count + field].forecastInPlace(h) }
    }

    /// Calls `body` with the series of one key and field in place (not copied out of the store).
    public mutating func withSeries<R>(_ slot: Int, _ field: Int, _ body: (inout Series) throws -> R) rethrows -> R {
        try series.withUnsafeMutableBufferPointer { try body(&$0[slot * fields.count + field]) }
    }

    /// Takes in one reading of `field` for the key in `slot`, then checks the
    /// field's alert rules, passing every transition to `alert`.
    @discardableResult
    public mutating func observe(_ slot: Int, _ field: Int, time: Int64, value: Double?,
                                 alert: (AlertEvent) -> Void = { _ in }) -> Series.Step
    {
        let i = slot * fields.count + field
        // `settings` read inside the closure, where `self` is being mutated, was copied (its
        // arrays retained and released) on every update; the series array is not part of it.
        let step = withUnsafePointer(to: settings) { settings in
            series.withUnsafeMutableBufferPointer { $0[i].observe(time: time, value: value, settings.pointee) }
        }
        // Only a reading taken in counts toward a rule: a record without this field (or a late one)
        // would otherwise re-count the same forecast and open an alert on no news.
        guard !rules.isEmpty, !step.stale, let value, value.isFinite else { return step }
        for r in rulesByField[field] {
            let rule = rules[r]
            let subject: Double?
            switch rule.subject {
            case .value: subject = value
            case .anomaly: subject = step.anomaly.map(abs)
            case let .forecast(steps): subject = forecast(slot, field, steps)?.value
            }
            // A reading that says nothing about the rule (missing, or no model yet) neither opens nor clears it.
            guard let subject else { continue }
            let holds = rule.comparison.holds(subject, rule.threshold)
            if let transition = alertStates[i * rules.count + r].update(holds: holds, readings: rule.readings) {
                alert(AlertEvent(key: keys[slot], field: fields[field], rule: rule, transition: transition,
                                 value: subject, reading: value, time: time))
            }
        }
        return step
    }

    /// Fingerprint of everything that shapes the models' state: a snapshot
    /// taken under other settings or value fields is refused.
    var fingerprint: UInt64 { Fingerprint.of(settings.signature + "|fields=" + fields.joined(separator: "\u{1F}")) }

    /// Alerts open now, over every key, field and rule.
    public var openAlerts: Int { alertStates.reduce(0) { $0 + ($1.isOpen ? 1 : 0) } }

    /// The alert rules as saved: edited rules drop only the alert states, not the models.
    var rulesSignature: String { rules.map { "\($0.field ?? "*")\u{1E}\($0.text)" }.joined(separator: "\u{1F}") }

    /// The whole state as a framed, checksummed snapshot.
    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter()
        w.write(rulesSignature)
        w.write(rules.count)
        w.write(keys.count)
        for (k, key) in keys.enumerated() {
            w.write(key)
            for f in fields.indices { series[k * fields.count + f].encode(&w) }
            for a in 0 ..< fields.count * rules.count { alertStates[k * fields.count * rules.count + a].encode(&w) }
        }
        return Snapshot.frame(w.bytes, fingerprint: fingerprint)
    }

    /// Replaces the state with a snapshot's, or throws and leaves it as it
    /// was. Returns false when the alert rules differ from the snapshot's:
    /// the models are restored and every alert starts closed.
    @discardableResult
    public mutating func restore(_ bytes: [UInt8]) throws -> Bool {
        var r = try Snapshot.open(bytes, fingerprint: fingerprint)
        var restored = KeyedForecasts(settings: settings, fields: fields, rules: rules)
        let sameRules = try r.readString() == rulesSignature
        let savedRules = try r.readCount(itemSize: 0)
        let count = try r.readCount(itemSize: 8)
        for _ in 0 ..< count {
            let key = try r.readString()
            let k = restored.keys.count
            guard restored.slot(for: key) == k else { throw SnapshotError.malformed("key '\(key)' twice") }
            for f in fields.indices { restored.series[k * fields.count + f] = try Series(decoding: &r) }
            for a in 0 ..< fields.count * savedRules {
                let state = try AlertState(decoding: &r)
                if sameRules { restored.alertStates[k * fields.count * rules.count + a] = state }
            }
        }
        guard r.isAtEnd else { throw SnapshotError.malformed("trailing bytes") }
        self = restored
        return sameRules
    }
}
