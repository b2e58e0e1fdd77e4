import SluiceSDK

/// The JSON the page reads: a `SeriesDelta` as
/// `{"evicted": [key…], "keys": [{"key", "fields": {field: {points, predicted, forecast, alerts}}}]}`,
/// with points as `[t, v]`, predictions and forecast steps as
/// `[t, value, lower80, upper80, lower95, upper95]` and times in epoch ms.
/// A snapshot adds `title`, `fields` and `limits`, so the page knows what to
/// draw and how much to keep.
enum SeriesJSON {
    /// A snapshot: the page's settings and every key.
    static func snapshot(_ state: DashboardState, title: String) -> [UInt8] {
        var w = JSONWriter(capacity: 1 << 16)
        w.appendRaw("{\"title\":")
        w.writeString(title)
        w.appendRaw(",\"fields\":")
        w.write(.array(state.fields.map { .string($0) }))
        w.appendRaw(",\"limits\":{\"points\":\(state.limits.points),\"keys\":\(state.limits.keys),\"alerts\":\(state.limits.alerts)}")
        w.appendRaw(",\"evicted_keys\":\(state.evictedKeys),")
        members(state.snapshot(), fields: state.fields, &w)
        w.appendRaw("}")
        return w.bytes
    }

    /// The changes of one batch.
    static func delta(_ delta: SeriesDelta, fields: [String]) -> [UInt8] {
        var w = JSONWriter(capacity: 1024)
        w.appendRaw("{")
        members(delta, fields: fields, &w)
        w.appendRaw("}")
        return w.bytes
    }

    private static func members(_ delta: SeriesDelta, fields: [String], _ w: inout JSONWriter) {
        w.appendRaw("\"evicted\":")
        w.write(.array(delta.evicted.map { .string($0) }))
        w.appendRaw(",\"keys\":[")
        for (k, key) in delta.keys.enumerated() {
            if k > 0 { w.appendRaw(",") }
            w.appendRaw("{\"key\":")
            w.writeString(key)
            w.appendRaw(",\"fields\":{")
            for (f, change) in delta.fields[k].enumerated() {
                if f > 0 { w.appendRaw(",") }
                w.writeString(fields[f])
                w.appendRaw(":")
                field(change, &w)
            }
            w.appendRaw("}}")
        }
        w.appendRaw("]")
    }

    private static func field(_ d: FieldSeries.Delta, _ w: inout JSONWriter) {
        w.appendRaw("{\"points\":[")
        for (i, p) in d.points.enumerated() {
            if i > 0 { w.appendRaw(",") }
            w.appendRaw("[\(p.time),")
            number(p.value, &w)
            w.appendRaw("]")
        }
        w.appendRaw("],\"predicted\":")
        steps(d.predicted, &w)
        if let forecast = d.forecast {
            w.appendRaw(",\"forecast\":{\"from\":\(forecast.from),\"steps\":")
            steps(forecast.steps, &w)
            w.appendRaw("}")
        }
        w.appendRaw(",\"alerts\":[")
        for (i, a) in d.alerts.enumerated() {
            if i > 0 { w.appendRaw(",") }
            w.appendRaw("{\"time\":\(a.time),\"name\":")
            w.writeString(a.name)
            w.appendRaw(",\"rule\":")
            w.writeString(a.rule)
            w.appendRaw(",\"state\":\"\(a.state.rawValue)\",\"value\":")
            number(a.value, &w)
            w.appendRaw("}")
        }
        w.appendRaw("]}")
    }

    private static func steps(_ steps: [PredictedStep], _ w: inout JSONWriter) {
        w.appendRaw("[")
        for (i, s) in steps.enumerated() {
            if i > 0 { w.appendRaw(",") }
            w.appendRaw("[\(s.time)")
            for v in [s.value, s.lower80, s.upper80, s.lower95, s.upper95] {
                w.appendRaw(",")
                number(v, &w)
            }
            w.appendRaw("]")
        }
        w.appendRaw("]")
    }

    /// JSON has no NaN or infinity: an alert without a value says null.
    private static func number(_ v: Double, _ w: inout JSONWriter) {
        w.write(v.isFinite ? .double(v) : .null)
    }
}
