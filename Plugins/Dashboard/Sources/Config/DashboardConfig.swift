import SluiceSDK

/// The `dashboard.serve` config: every key is declared once below, and the
/// JSON Schema is built from those declarations.
struct DashboardConfig: Sendable {
    static let listen = Setting("listen", #""type": "string", "pattern": "^.+:[0-9]{1,5}$""#, default: "127.0.0.1:8090",
                                doc: "host:port the page is served on; port 0 picks a free one")
    static let title = Setting("title", #""type": "string""#, default: "Sluice dashboard", doc: "the page's heading")
    static let keyFields = Setting("key_fields", #""type": "array", "items": {"type": "string"}"#, default: [String](),
                                   shown: "the record key",
                                   doc: "fields whose values name a chart group, joined by ' / ' (the forecaster's series key)")
    static let valueFields = Setting("value_fields", #""type": "array", "items": {"type": "string"}, "minItems": 1"#,
                                     default: [String](), doc: "numeric fields drawn, one chart each per key")
    static let timeField = Setting<String?>("time_field", #""type": "string""#, default: nil, shown: "the record's event time",
                                            doc: "the reading's time: a BSON date, an ISO 8601 string or epoch ms")
    static let window = Setting("window", #""type": "integer", "minimum": 2, "maximum": 100000"#, default: 500,
                                doc: "readings kept per key and field; the oldest by time leave first")
    static let maxKeys = Setting("max_keys", #""type": "integer", "minimum": 1, "maximum": 10000"#, default: 100,
                                 doc: "keys kept; a new key past it evicts the least recently updated one")
    static let maxAlerts = Setting("max_alerts", #""type": "integer", "minimum": 1, "maximum": 10000"#, default: 50,
                                   doc: "alert marks kept per key and field")
    static let sentinels = Setting("sentinels", #""type": "array", "items": {"type": "number"}"#, default: [Double](),
                                   shown: "none", doc: "values that mean missing, e.g. -99999.992")
    static let alertInputs = Setting<[String]?>("alert_inputs", #""type": "array", "items": {"type": "string"}"#, default: nil,
                                                shown: "the inputs named NAME.alerts",
                                                doc: "inputs whose records are forecaster alerts, marked on the charts")

    static let settings: [any SchemaEntry] = [listen, title, keyFields, valueFields, timeField, window, maxKeys, maxAlerts,
                                              sentinels, alertInputs]

    static let schema = #"{"type": "object", "additionalProperties": false, "required": ["value_fields"], "properties": {"#
        + settings.map(\.schemaMember).joined(separator: ",\n") + "}}"

    let listen: HostPort
    let title: String
    let valueFields: [String]
    let limits: WindowLimits
    let decoder: RecordDecoder
    /// Indices into the instance's inputs whose records are alerts.
    let alertPorts: Set<Int>

    init(_ config: Config, inputNames: [String]) throws {
        listen = try config.hostPort(Self.listen.name, default: Self.listen.defaultValue)
        title = try config.value(Self.title)
        valueFields = try config.value(Self.valueFields)
        guard !valueFields.isEmpty else { throw SluiceError.config("value_fields: name at least one field") }
        limits = WindowLimits(points: try config.value(Self.window), keys: try config.value(Self.maxKeys),
                              alerts: try config.value(Self.maxAlerts))
        decoder = RecordDecoder(keyFields: try config.value(Self.keyFields), valueFields: valueFields,
                                timeField: try config.value(Self.timeField),
                                sentinels: try config.value(Self.sentinels))
        if let named = try config.value(Self.alertInputs) {
            alertPorts = Set(try named.map { name in
                guard let port = inputNames.firstIndex(of: name) else {
                    throw SluiceError.config("alert_inputs: '\(name)' is not one of this sink's inputs (\(inputNames.joined(separator: ", ")))")
                }
                return port
            })
        } else {
            alertPorts = Set(inputNames.indices.filter { inputNames[$0].hasSuffix(".alerts") })
        }
    }
}
