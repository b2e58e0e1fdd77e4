import SluiceSDK

/// Index names from a template: `%Y`, `%m`, `%d` from the event date (UTC), `{field}` from the record.
enum IndexName {
    static func resolve(_ template: String, _ doc: BSONDocument, eventTime: Int64?) -> String? {
        var name = template
        if name.contains("%") {
            let (y, m, d) = Civil.date(fromDays: ((eventTime ?? 0) - ((eventTime ?? 0) % 86_400_000 + 86_400_000) % 86_400_000) / 86_400_000)
            func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
            name = name.replacingOccurrences(of: "%Y", with: String(y)).replacingOccurrences(of: "%m", with: two(m))
                .replacingOccurrences(of: "%d", with: two(d))
        }
        return FieldTemplate(name).resolve(doc)
    }
}
