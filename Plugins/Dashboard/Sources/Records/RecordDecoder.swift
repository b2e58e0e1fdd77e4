import SluiceSDK

/// Reads what the dashboard draws out of a record: the key, the time and
/// each value field, with the forecaster's `forecast.<field>` when present;
/// or, from an alerts input, the forecaster's alert record.
struct RecordDecoder: Sendable {
    let keyFields: [FieldPath]
    let valueFields: [FieldPath]
    let timeField: FieldPath?
    /// Values that mean missing (-99999.992 in the beach data).
    let sentinels: [Double]
    /// The forecaster names each forecast after its value field as written, dots and all.
    private let forecastNames: [[UInt8]]
    private static let forecastKey = Array("forecast".utf8)

    init(keyFields: [String], valueFields: [String], timeField: String?, sentinels: [Double] = []) {
        self.keyFields = keyFields.map(FieldPath.init)
        self.valueFields = valueFields.map(FieldPath.init)
        self.timeField = timeField.map(FieldPath.init)
        self.sentinels = sentinels
        forecastNames = valueFields.map { Array($0.utf8) }
    }

    /// The reading in `doc`, or why it cannot be drawn.
    func reading(_ doc: BSONDocument, eventTime: Int64?, key: UnsafeRawBufferPointer?) -> Result<Reading, DecodeFailure> {
        guard let time = time(doc, eventTime: eventTime) else {
            return .failure(DecodeFailure(timeField.map { "no time: field '\($0.text)' missing or not a date" } ?? "no time: the record has no event time"))
        }
        let forecast = Self.forecastKey.withUnsafeBytes { doc.element(keyBytes: $0) }?.document
        var values: [Double?] = []
        var forecasts: [ForecastOverlay?] = []
        values.reserveCapacity(valueFields.count)
        forecasts.reserveCapacity(valueFields.count)
        for (f, field) in valueFields.enumerated() {
            let v = field.element(in: doc).flatMap(Self.number)
            values.append(v.flatMap { $0.isFinite && !isSentinel($0) ? $0 : nil })
            let section = forecast.flatMap { forecast in forecastNames[f].withUnsafeBytes { forecast.element(keyBytes: $0) } }
            forecasts.append(section?.document.flatMap { Self.overlay($0, from: time) })
        }
        return .success(Reading(key: seriesKey(doc, key), time: time, values: values, forecasts: forecasts))
    }

    /// A forecaster alert record (`{key, field, rule, name, state, value, time}`), or why it is not one.
    func alert(_ doc: BSONDocument, eventTime: Int64?) -> Result<(key: String, field: String, mark: AlertMark), DecodeFailure> {
        guard let key = doc["key"]?.string, let field = doc["field"]?.string,
              let state = doc["state"]?.string.flatMap(AlertMark.State.init(rawValue:))
        else { return .failure(DecodeFailure("not a forecaster alert: needs key, field and state (opened or cleared)")) }
        guard let time = doc["time"].flatMap(Self.millis) ?? eventTime else {
            return .failure(DecodeFailure("alert without a time"))
        }
        let rule = doc["rule"]?.string ?? ""
        let name = doc["name"]?.string ?? rule
        let value = doc["value"]?.number ?? .nan
        return .success((key, field, AlertMark(time: time, name: name, rule: rule, state: state, value: value)))
    }

    /// Sentinels come through float parsing, so they match to a relative 1e-9 rather than exactly.
    func isSentinel(_ v: Double) -> Bool {
        sentinels.contains { abs($0 - v) <= 1e-9 * max(abs($0), 1) }
    }

    /// The key fields' values joined by " / " (as the forecaster names a series), else the record key.
    func seriesKey(_ doc: BSONDocument, _ recordKey: UnsafeRawBufferPointer?) -> String {
        guard !keyFields.isEmpty else { return recordKey.map { String(decoding: $0, as: UTF8.self) } ?? "" }
        func text(_ field: FieldPath) -> String {
            guard let e = field.element(in: doc) else { return "" }
            if let s = e.string { return s }
            if let n = e.integer { return String(n) }
            return e.number.map { String($0) } ?? ""
        }
        return keyFields.count == 1 ? text(keyFields[0]) : keyFields.map(text).joined(separator: " / ")
    }

    func time(_ doc: BSONDocument, eventTime: Int64?) -> Int64? {
        guard let timeField else { return eventTime }
        return timeField.element(in: doc).flatMap(Self.millis)
    }

    /// A BSON date, an ISO 8601 string or epoch ms.
    static func millis(_ e: BSONElement) -> Int64? {
        if let ms = e.datetime { return ms }
        if let s = e.string { return ISO8601.parse(s) }
        return e.integer
    }

    /// A number, or a string holding one (CSV read without type inference).
    static func number(_ e: BSONElement) -> Double? {
        e.number ?? e.string.flatMap { Double($0) }
    }

    /// `{status: ok, at[], value[], lower80[], upper80[], lower95[], upper95[]}`; nil while warming up.
    static func overlay(_ f: BSONDocument, from time: Int64) -> ForecastOverlay? {
        guard f["status"]?.string != "warming" else { return nil }
        func column(_ name: String) -> [Double] {
            f[name]?.document.map { $0.elements.map { $0.number ?? .nan } } ?? []
        }
        let at = f["at"]?.document.map { $0.elements.compactMap(millis) } ?? []
        let (value, lower80, upper80, lower95, upper95) = (column("value"), column("lower80"), column("upper80"),
                                                           column("lower95"), column("upper95"))
        let n = [at.count, value.count, lower80.count, upper80.count, lower95.count, upper95.count].min()!
        let steps = (0 ..< n).compactMap { i -> PredictedStep? in
            let numbers = [value[i], lower80[i], upper80[i], lower95[i], upper95[i]]
            guard numbers.allSatisfy(\.isFinite) else { return nil }
            return PredictedStep(time: at[i], value: value[i], lower80: lower80[i], upper80: upper80[i], lower95: lower95[i], upper95: upper95[i])
        }
        return steps.isEmpty ? nil : ForecastOverlay(from: time, steps: steps)
    }
}

/// Why a record cannot be drawn; it goes to the dead-letter queue with this reason.
struct DecodeFailure: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
