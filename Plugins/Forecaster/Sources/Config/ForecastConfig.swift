import SluiceSDK

/// The `forecaster.forecast` config: its JSON Schema and the values read
/// from it. Each key is named here and nowhere else.
struct ForecastConfig: Sendable {
    static let schema = #"""
    {"type": "object", "additionalProperties": false, "required": ["value_fields", "interval"],
     "properties": {
       "key_fields": {"type": "array", "items": {"type": "string"},
                      "description": "fields whose values name the series (one model set per key); default: the record key"},
       "value_fields": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                        "description": "numeric fields to forecast, each its own series"},
       "time_field": {"type": "string", "description": "reading time (BSON date, ISO 8601 string or epoch ms); default: the event time"},
       "interval": {"type": ["string", "integer"], "description": "expected time between readings (e.g. 1h, or ms): the grid readings are placed on"},
       "horizon": {"type": ["string", "integer"], "description": "how far to forecast: steps, or a duration such as 6h; default 1 step"},
       "season": {"type": ["string", "integer"], "description": "season length: steps, a duration such as 24h, or auto (detected per series from its warm-up window); default none, or auto for model holt-winters"},
       "max_season": {"type": ["string", "integer"], "description": "with season auto: the longest season looked for (steps or duration); the warm-up is three of it; default 48 steps"},
       "model": {"enum": ["auto", "ewma", "holt", "holt-winters", "ar"], "description": "default auto: the candidate with the lowest recent one-step error"},
       "max_gap": {"type": ["string", "integer"], "description": "a longer gap (steps or duration) re-warms the series; default 3 seasons, at least 48 steps"},
       "sentinels": {"type": "array", "items": {"type": "number"}, "description": "values that mean missing, e.g. -99999.992"},
       "alerts": {"type": "array", "description": "rules such as 'value > 30', 'forecast(+3h) < 10', 'anomaly > 4 for 3 readings', each a string or {rule, name, field}; alert records go to the output alerts",
                  "items": {"anyOf": [{"type": "string"},
                                      {"type": "object", "required": ["rule"], "additionalProperties": false,
                                       "properties": {"rule": {"type": "string", "description": "the rule, as in the string form"},
                                                      "name": {"type": "string", "description": "the name alert records carry (default: the rule's text)"},
                                                      "field": {"type": "string", "description": "the one value field the rule watches, among value_fields (default: every one)"}}}]}},
       "reorder_window": {"type": ["string", "integer"], "description": "how long (duration or ms of reading time) a key's reading waits for earlier ones, so out-of-order readings are learned in time order; its delivery is held meanwhile; older ones pass as stale; default 0: off"},
       "snapshot_interval": {"type": ["string", "integer"], "description": "how often to save model state (duration or ms); default 60s"}
     }}
    """#

    let keyFields: [String]
    let valueFields: [String]
    let timeField: String?
    let horizon: Int
    let settings: SeriesSettings
    let sentinels: [Double]
    let rules: [AlertRule]
    let snapshotIntervalMillis: Int64
    let reorderWindowMillis: Int64

    /// Reads every key; a config with problems throws them all, one per
    /// line, so `sluice validate` reports them in one pass. A key in error
    /// takes its default meanwhile, to go on checking the keys after it.
    init(_ config: Config) throws {
        var problems: [String] = []
        func read<T>(_ fallback: T, _ body: () throws -> T) -> T {
            do { return try body() } catch {
                problems.append("\(error)")
                return fallback
            }
        }
        keyFields = read([String]()) { try config.strings("key_fields") ?? [] }
        let valueFields = read([String]()) {
            guard let fields = try config.strings("value_fields"), !fields.isEmpty else { throw SluiceError.config("value_fields: name at least one field") }
            return fields
        }
        self.valueFields = valueFields
        timeField = read(nil) { try config.string("time_field") }
        let interval: Int64? = read(nil) {
            guard let ms = try Self.millis(config, "interval"), ms > 0 else { throw SluiceError.config("interval: required, a positive duration such as 1h") }
            return ms
        }
        func steps(_ key: String) throws -> Int? {
            guard let v = config[key] else { return nil }
            if let n = v.integer {
                guard n >= 1 else { throw SluiceError.config("\(key): must be at least 1 step") }
                return Int(n)
            }
            guard let s = v.string, let ms = Duration.millis(s), ms > 0 else {
                throw SluiceError.config("\(key): expected steps or a duration such as 24h")
            }
            // Without a valid interval, a duration cannot be counted in steps; the interval's problem is reported.
            guard let interval else { return 1 }
            guard ms % interval == 0 else { throw SluiceError.config("\(key): \(s) is not a whole number of intervals") }
            return Int(ms / interval)
        }
        horizon = read(1) { try steps("horizon") ?? 1 }
        let model = read("auto") { try config.string("model", default: "auto") }
        // Holt-Winters needs a season: left out, it is detected.
        let detect = config["season"]?.string == "auto" || (config["season"] == nil && model == ModelKind.holtWinters.rawValue)
        let season = detect ? 1 : read(1) { try steps("season") ?? 1 }
        let maxSeason = detect ? read(48) { try steps("max_season") ?? 48 } : nil
        if let maxSeason, maxSeason < 2 { problems.append("max_season: must be at least 2 steps") }
        if !detect, config["max_season"] != nil { problems.append("max_season: only with season: auto") }
        var kinds = ModelKind.allCases.filter { $0 != .holtWinters || season > 1 || detect }
        if model != "auto" {
            if let kind = ModelKind(rawValue: model) {
                kinds = [kind]
                if kind == .holtWinters, season < 2, !detect {
                    problems.append("model: holt-winters needs a season of at least 2 steps, or season: auto")
                }
            } else {
                problems.append("model: unknown model '\(model)'")
            }
        }
        let maxGap = read(48) { try steps("max_gap") ?? max(3 * (maxSeason ?? season), 48) }
        settings = SeriesSettings(intervalMillis: interval ?? 1, season: season, models: kinds, maxGap: maxGap, maxSeason: maxSeason)
        sentinels = read([Double]()) {
            try config.array("sentinels")?.map {
                guard let d = $0.number else { throw SluiceError.config("sentinels: expected numbers") }
                return d
            } ?? []
        }
        rules = read([JSONValue]()) { try config.array("alerts") ?? [] }.compactMap { item in
            read(AlertRule?.none) {
                do {
                    if let text = item.string { return try AlertRule(text, intervalMillis: interval ?? 1) }
                    let o = Config(item.object ?? JSONObject())
                    let field = try o.string("field")
                    if let field, !valueFields.contains(field) {
                        throw SluiceError.config("alerts: field '\(field)' is not one of value_fields")
                    }
                    return try AlertRule(o.requiredString("rule"), name: o.string("name"), field: field, intervalMillis: interval ?? 1)
                } catch let error as RuleError {
                    throw SluiceError.config("alerts: \(error)")
                }
            }
        }
        snapshotIntervalMillis = read(60_000) { try Self.millis(config, "snapshot_interval") ?? 60_000 }
        reorderWindowMillis = read(0) { try Self.millis(config, "reorder_window") ?? 0 }
        if reorderWindowMillis < 0 { problems.append("reorder_window: must not be negative") }
        guard problems.isEmpty else { throw SluiceError.config(problems.joined(separator: "\n")) }
    }

    /// A duration given as a string (`90s`) or as ms.
    static func millis(_ config: Config, _ key: String) throws -> Int64? {
        guard let v = config[key] else { return nil }
        if let n = v.integer { return n }
        guard let s = v.string, let ms = Duration.millis(s) else { throw SluiceError.config("\(key): expected a duration such as 1h, or ms") }
        return ms
    }

    /// Whether `v` is one of the configured missing-value markers. Sentinels
    /// such as -99999.992 arrive through float parsing, so they match to a
    /// relative 1e-9 rather than exactly.
    func isSentinel(_ v: Double) -> Bool {
        sentinels.contains { abs($0 - v) <= 1e-9 * max(abs($0), 1) }
    }
}
