/// Durations in config and rules: `500ms`, `90s`, `15m`, `3h`, `1d`, or
/// combined (`1h30m`).
enum Duration {
    static let units: [(suffix: String, millis: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]

    /// Milliseconds, or nil when `text` is not a duration.
    static func millis(_ text: String) -> Int64? {
        var rest = Substring(text.filter { $0 != " " })
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard let amount = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isLetter }
            guard let unit = units.first(where: { $0.suffix == letters }) else { return nil }
            rest = rest.dropFirst(letters.count)
            total += Int64((amount * Double(unit.millis)).rounded())
        }
        return total
    }
}
