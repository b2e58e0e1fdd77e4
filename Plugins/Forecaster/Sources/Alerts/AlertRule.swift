/// One alert rule, parsed once at create: `value > 30`, `forecast(+3h) < 10`,
/// `anomaly > 4 for 3 readings`.
///
/// `anomaly` is the size of the standardised one-step error (a drop counts
/// like a spike). `for N readings` is the hysteresis: the alert opens after
/// N readings in a row meet the condition and clears after N in a row do not.
public struct AlertRule: Sendable, Equatable {
    /// What the rule compares.
    public enum Subject: Sendable, Equatable {
        case value
        case anomaly
        /// The forecast this many steps past the reading.
        case forecast(steps: Int)
    }

    /// The comparison, longest operators first so `>=` is not read as `>`.
    public enum Comparison: String, Sendable, CaseIterable {
        case greaterOrEqual = ">=", lessOrEqual = "<=", greater = ">", less = "<"

        func holds(_ a: Double, _ b: Double) -> Bool {
            switch self {
            case .greater: return a > b
            case .greaterOrEqual: return a >= b
            case .less: return a < b
            case .lessOrEqual: return a <= b
            }
        }
    }

    /// The rule as written, for alert records.
    public let text: String
    /// Name in alert records; the text unless the config names it.
    public let name: String
    /// The value field the rule watches; nil watches every one.
    public let field: String?
    /// What is compared: the reading, its anomaly score or a forecast.
    public let subject: Subject
    /// How it is compared with `threshold`.
    public let comparison: Comparison
    /// The number on the right of the comparison.
    public let threshold: Double
    /// Readings in a row that open (and then clear) the alert.
    public let readings: Int

    /// Parses `text`; `intervalMillis` turns a forecast offset such as `+3h` into steps.
    public init(_ text: String, name: String? = nil, field: String? = nil, intervalMillis: Int64) throws {
        self.text = text
        self.name = name ?? text
        self.field = field
        var rest = Substring(text)
        func skipSpaces() { rest = rest.drop { $0 == " " } }
        func fail(_ why: String) -> RuleError { RuleError(rule: text, reason: why) }

        skipSpaces()
        let word = rest.prefix { $0.isLetter }
        rest = rest.dropFirst(word.count)
        switch word {
        case "value": subject = .value
        case "anomaly": subject = .anomaly
        case "forecast":
            guard rest.first == "(", let close = rest.firstIndex(of: ")") else { throw fail("expected forecast(+STEP), e.g. forecast(+3h)") }
            var offset = String(rest[rest.index(after: rest.startIndex) ..< close].filter { $0 != " " })
            rest = rest[rest.index(after: close)...]
            if offset.hasPrefix("+") { offset.removeFirst() }
            if let steps = Int(offset), steps >= 1 {
                subject = .forecast(steps: steps)
            } else if let ms = Duration.millis(offset), ms > 0 {
                // A duration between grid steps rounds up to the step that covers it.
                subject = .forecast(steps: Int((ms + intervalMillis - 1) / intervalMillis))
            } else {
                throw fail("forecast offset '\(offset)' is neither a step count nor a duration such as 3h")
            }
        default: throw fail("a rule starts with value, anomaly or forecast(+STEP)")
        }
        skipSpaces()
        guard let comparison = Comparison.allCases.first(where: { rest.hasPrefix($0.rawValue) }) else {
            throw fail("expected one of > >= < <= after the subject")
        }
        self.comparison = comparison
        rest = rest.dropFirst(comparison.rawValue.count)
        skipSpaces()
        let number = rest.prefix { !$0.isWhitespace }
        guard let threshold = Double(number) else { throw fail("expected a number after \(comparison.rawValue)") }
        self.threshold = threshold
        rest = rest.dropFirst(number.count)
        let words = rest.split(separator: " ")
        switch words.count {
        case 0: readings = 1
        case 3 where words[0] == "for" && (words[2] == "readings" || words[2] == "reading"):
            guard let n = Int(words[1]), n >= 1 else { throw fail("'for N readings' needs N ≥ 1") }
            readings = n
        default: throw fail("unexpected '\(words.joined(separator: " "))'; only 'for N readings' may follow the threshold")
        }
    }
}

/// A rule that does not parse, with where it went wrong.
public struct RuleError: Error, CustomStringConvertible, Sendable {
    /// The rule as written.
    public let rule: String
    /// What is wrong with it.
    public let reason: String
    public var description: String { "alert rule '\(rule)': \(reason)" }
}
