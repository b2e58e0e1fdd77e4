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
        touch(reading.key, &delta)
        for f in fields.indices {
            delta.withField(reading.key, f, fieldCount: fields.count) { change in
                if let value = reading.values[f] { series[reading.key]!.fields[f].add(value, at: reading.time, to: &change) }
                if let overlay = reading.forecasts[f] { series[reading.key]!.fields[f].add(overlay, to: &change) }
            }
        }
    }

    /// Adds an alert mark for `key` and `field`; false, and nothing kept, for a field not shown.
    @discardableResult
    public mutating func record(_ alert: AlertMark, key: String, field: String, into delta: inout SeriesDelta) -> Bool {
        guard let f = fields.firstIndex(of: field) else { return false }
        touch(key, &delta)
        delta.withField(key, f, fieldCount: fields.count) { series[key]!.fields[f].add(alert, to: &$0) }
        return true
    }

    /// Everything held, as one delta from an empty page, keys sorted.
    public func snapshot() -> SeriesDelta {
        var delta = SeriesDelta()
        for key in keys {
            delta.touch(key, fieldCount: fields.count)
            for f in fields.indices { delta.withField(key, f, fieldCount: fields.count) { $0 = series[key]!.fields[f].whole } }
        }
        return delta
    }

    /// Makes sure `key` is held, evicting the least recently updated key
    /// when full, and marks it updated.
    private mutating func touch(_ key: String, _ delta: inout SeriesDelta) {
        clock += 1
        if series[key] != nil {
            series[key]!.updated = clock
            return
        }
        if series.count >= limits.keys, let oldest = series.min(by: { $0.value.updated < $1.value.updated })?.key {
            series[oldest] = nil
            evictedKeys += 1
            delta.evict(oldest)
        }
        series[key] = Entry(fields: Array(repeating: FieldSeries(limits: limits), count: fields.count), updated: clock)
        delta.touch(key, fieldCount: fields.count)
    }
}
