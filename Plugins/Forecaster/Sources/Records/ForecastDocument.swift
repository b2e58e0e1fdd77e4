import SluiceSDK

/// What the processor writes: the forecast section it adds to a record, and
/// an alert record.
enum ForecastDocument {
    /// `field: {status, model, season, anomaly, at[], value[], lower80[], upper80[], lower95[], upper95[]}`,
    /// or `{status: warming, warmup_remaining}` before the first fit. `series` is
    /// read in place; `steps` is scratch space for the horizon's forecasts,
    /// reused from record to record.
    static func appendForecast(_ w: inout BSONWriter, _ field: String, _ series: inout Series, _ step: Series.Step,
                               horizon: Int, settings: SeriesSettings, steps: inout [StepForecast])
    {
        w.appendDocument(field) { w in
            guard let chosen = series.chosenModel, let last = series.lastSlot else {
                w.append("status", string: "warming")
                w.append("warmup_remaining", int64: Int64(series.warmupRemaining(settings)))
                return
            }
            w.append("status", string: step.stale ? "stale" : "ok")
            w.append("model", string: chosen.rawValue)
            w.append("season", int64: Int64(series.season))
            if let z = step.anomaly { w.append("anomaly", double: z) } else { w.appendNull("anomaly") }
            steps.removeAll(keepingCapacity: true)
            for h in 1 ... horizon {
                if let s = series.forecastInPlace(h) { steps.append(s) }
            }
            w.appendArray("at") { w in
                for h in 1 ... horizon { w.append("", datetime: (last + Int64(h)) * settings.intervalMillis) }
            }
            w.appendArray("value") { w in for s in steps { w.append("", double: s.value) } }
            w.appendArray("lower80") { w in for s in steps { w.append("", double: s.lower80) } }
            w.appendArray("upper80") { w in for s in steps { w.append("", double: s.upper80) } }
            w.appendArray("lower95") { w in for s in steps { w.append("", double: s.lower95) } }
            w.appendArray("upper95") { w in for s in steps { w.append("", double: s.upper95) } }
        }
    }

    /// `{key, field, rule, name, state: opened|cleared, value, reading, time}`.
    static func appendAlert(_ w: inout BSONWriter, _ alert: AlertEvent) {
        w.append("key", string: alert.key)
        w.append("field", string: alert.field)
        w.append("rule", string: alert.rule.text)
        w.append("name", string: alert.rule.name)
        w.append("state", string: alert.transition.rawValue)
        w.append("value", double: alert.value)
        if let r = alert.reading { w.append("reading", double: r) } else { w.appendNull("reading") }
        w.append("time", datetime: alert.time)
    }
}
