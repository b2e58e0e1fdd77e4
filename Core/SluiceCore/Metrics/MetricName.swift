/// A metric name as a plugin passes it through `host->metric`: a Prometheus
/// name, optionally followed by labels in the exposition format's own
/// syntax, `consumer_lag_records{topic="t",partition="3"}` (ABI 1.2).
struct MetricName: Equatable, Sendable {
    let name: String
    let labels: [(String, String)]

    static func == (a: MetricName, b: MetricName) -> Bool {
        a.name == b.name && a.labels.elementsEqual(b.labels) { $0 == $1 }
    }

    /// Label names the host sets itself; a plugin may not override them.
    static let reservedLabels: Set<String> = ["pipeline", "component", "le", "quantile"]

    /// nil when the name or a label is malformed, or a label is reserved or repeated.
    init?(parsing text: String) {
        let brace = text.firstIndex(of: "{")
        let base = String(text[..<(brace ?? text.endIndex)])
        guard Self.isValidName(base) else { return nil }
        name = base
        guard let brace else {
            labels = []
            return
        }
        guard text.hasSuffix("}") else { return nil }
        var parser = LabelParser(Array(text[text.index(after: brace)...].dropLast().utf8))
        guard let parsed = parser.parse(), Set(parsed.map(\.0)).count == parsed.count,
              !parsed.contains(where: { Self.reservedLabels.contains($0.0) }) else { return nil }
        labels = parsed
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`; colons are for recording rules, not instrumentation.
    static func isValidName(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(48 ... 57).contains(first) else { return false }
        return s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// `a="x",b="y\"z"`: names as above, values quoted with `\\`, `\"` and `\n` escapes.
    private struct LabelParser {
        let bytes: [UInt8]
        var i = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func parse() -> [(String, String)]? {
            var out: [(String, String)] = []
            while i < bytes.count {
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "=") { i += 1 }
                let key = String(decoding: bytes[start ..< i], as: UTF8.self)
                guard MetricName.isValidName(key), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") else { return nil }
                i += 2
                var value: [UInt8] = []
                while true {
                    guard i < bytes.count else { return nil }
                    let c = bytes[i]
                    i += 1
                    if c == UInt8(ascii: "\"") { break }
                    if c == UInt8(ascii: "\\") {
                        guard i < bytes.count else { return nil }
                        value.append(bytes[i] == UInt8(ascii: "n") ? 10 : bytes[i])
                        i += 1
                    } else {
                        value.append(c)
                    }
                }
                out.append((key, String(decoding: value, as: UTF8.self)))
                if i < bytes.count {
                    guard bytes[i] == UInt8(ascii: ","), i + 1 < bytes.count else { return nil }
                    i += 1
                }
            }
            return out
        }
    }
}
