import SluiceSDK

/// `dashboard.serve`: a live web page of chosen fields per key.
///
/// Each record's value fields go into a bounded window per key (and the
/// forecaster's forecast, interval and alerts when the records carry them);
/// the page draws one chart per key and field and follows changes over
/// server-sent events. A batch is acked once it is in the windows: the
/// dashboard is a view, not storage, so a restart starts empty and shows
/// what arrives from then on (or what the source replays).
public final class DashboardSink: Sink {
    public static let name = "serve"
    public static let summary = "Serves a live web page of chosen fields per key as time-series charts, with forecasts and alerts"
    public static let configSchema = DashboardConfig.schema

    let config: DashboardConfig
    let live: LiveSeries
    let server: DashboardServer
    let keysGauge: Metric
    let evictedCounter: Metric
    var evictedSoFar = 0

    public required init(config: Config, host: PluginHost) throws {
        self.config = try DashboardConfig(config, inputNames: host.inputNames)
        live = LiveSeries(state: DashboardState(fields: self.config.valueFields, limits: self.config.limits), title: self.config.title)
        keysGauge = host.metric(.gauge, "keys", help: "keys shown")
        evictedCounter = host.metric(.counter, "keys_evicted_total", help: "keys evicted to stay within max_keys")
        let clientsGauge = host.metric(.gauge, "clients", help: "pages following the event stream")
        server = try DashboardServer(listen: self.config.listen, live: live) { clientsGauge.record(Double($0)) }
        let listen = self.config.listen
        host.log(.info, "dashboard on http://\(listen.shownHost):\(server.port)/")
    }

    /// The config as `init` reads it (alert_inputs among the inputs), without binding the port.
    public static func check(config: Config, host: PluginHost) throws {
        _ = try DashboardConfig(config, inputNames: host.inputNames)
    }

    deinit {
        live.closeAll()
        server.shutdown()
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        let decoder = config.decoder
        var readings: [Reading] = []
        var alerts: [(key: String, field: String, mark: AlertMark)] = []
        let isAlerts = config.alertPorts.contains(batch.inputPort)
        for record in batch {
            if isAlerts {
                switch decoder.alert(record.document, eventTime: record.eventTime) {
                case let .success(alert): alerts.append(alert)
                case let .failure(failure): output.fail(record.index, failure.reason)
                }
            } else {
                switch decoder.reading(record.document, eventTime: record.eventTime, key: record.key) {
                case let .success(reading): readings.append(reading)
                case let .failure(failure): output.fail(record.index, failure.reason)
                }
            }
        }
        let (keys, evicted) = live.update { state, delta in
            for reading in readings { state.record(reading, into: &delta) }
            // An alert for a field not drawn has nothing to mark; it is still acked.
            for alert in alerts { state.record(alert.mark, key: alert.key, field: alert.field, into: &delta) }
        }
        keysGauge.record(Double(keys))
        if evicted > evictedSoFar {
            evictedCounter.record(Double(evicted - evictedSoFar))
            evictedSoFar = evicted
        }
    }
}
