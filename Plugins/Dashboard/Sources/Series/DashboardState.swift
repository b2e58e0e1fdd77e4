/// How much the dashboard keeps: readings per key and field, keys, alert marks per key and field.
public struct WindowLimits: Sendable, Equatable {
    public let points: Int
    public let keys: Int
    public let alerts: Int

    public init(points: Int, keys: Int, alerts: Int) {
        (self.points, self.keys, self.alerts) = (points, keys, alerts)
    }
}

/// One record's contribution: its key, time, and per value field the
/// reading (nil when missing) and the forecast the record carries.
public struct Reading: Sendable, Equatable {
    public let key: String
    public let time: Int64
    public let values: [Double?]
    public let forecasts: [ForecastOverlay?]

    public init(key: String, time: Int64, values: [Double?], forecasts: [ForecastOverlay?]) {
        (self.key, self.time, self.values, self.forecasts) = (key, time, values, forecasts)
    }
}

/// Every key's windows, bounded in keys and in items per key: the whole
/// state of the dashboard, with no I/O, so it is tested as a value.
///
/// Keys are evicted least recently updated first: a sensor that went quiet
/// leaves before one still reporting.
public struct DashboardState: Sendable {
    public let fields: [String]
    public let limits: WindowLimits
    private var series: [String: Entry] = [:]
    /// Counts updates, to tell which key was updated least recently.
    private var clock: UInt64 = 0
    /// Keys evicted to stay within `limits.keys`, since the start.
    public private(set) var evictedKeys = 0

    private struct Entry: Sendable {
        var fields: [FieldSeries]
        var updated: UInt64
    }

    public init(fields: [String], limits: WindowLimits) {
        self.fields = fields
        self.limits = limits
    }

    public var keyCount: Int { series.count }

    /// The keys held, sorted.
    public var keys: [String] { series.keys.sorted() }

    /// What is held for `key`'s field `field` (an index into `fields`).
    public func series(_ key: String, _ field: Int) -> FieldSeries? { series[key]?.fields[field] }

    /// Adds a reading; what was kept goes into `delta`.
    public mutating func record(_ reading: Reading, into delta: inout SeriesDelta) {
        precondition(reading.values.count == fields.count && reading.forecasts.count == fields.count, "one value and forecast per field")
        let position = admit(reading.key, &delta)
        withEntry(reading.key) { entry in
            delta.withChanges(at: position) { changes in
                for f in changes.indices {
                    if let value = reading.values[f] { entry.fields[f].add(value, at: reading.time, to: &changes[f]) }
                    if let overlay = reading.forecasts[f] { entry.fields[f].add(overlay, to: &changes[f]) }
                }
            }
        }
    }

    /// Adds an alert mark for `key` and `field`; false, and nothing kept, for a field not shown.
    @discardableResult
    public mutating func record(_ alert: AlertMark, key: String, field: String, into delta: inout SeriesDelta) -> Bool {
        guard let f = fields.firstIndex(of: field) else { return false }
        let position = admit(key, &delta)
        withEntry(key) { entry in delta.withChanges(at: position) { entry.fields[f].add(alert, to: &$0[f]) } }
        return true
    }

    /// Everything held, as one delta from an empty page, keys sorted.
    public func snapshot() -> SeriesDelta {
        var delta = SeriesDelta()
        for key in keys {
            let entry = series[key]!
            delta.withChanges(at: delta.touch(key, fieldCount: fields.count)) { changes in
                for f in changes.indices { changes[f] = entry.fields[f].whole }
            }
        }
        return delta
    }

    /// Makes sure `key` is held, evicting the least recently updated key
    /// when full; the key's position in `delta`.
    private mutating func admit(_ key: String, _ delta: inout SeriesDelta) -> Int {
        if series[key] == nil {
            if series.count >= limits.keys, let oldest = series.min(by: { $0.value.updated < $1.value.updated })?.key {
                series[oldest] = nil
                evictedKeys += 1
                delta.evict(oldest)
            }
            series[key] = Entry(fields: Array(repeating: FieldSeries(limits: limits), count: fields.count), updated: 0)
        }
        return delta.touch(key, fieldCount: fields.count)
    }

    /// Runs `body` on `key`'s entry in place (one lookup) and marks it updated.
    private mutating func withEntry(_ key: String, _ body: (inout Entry) -> Void) {
        clock += 1
        let now = clock
        func update(_ entry: inout Entry) {
            entry.updated = now
            body(&entry)
        }
        update(&series[key]!)
    }
}
