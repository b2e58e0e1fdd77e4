/// Whether a CSV record is still inside a quoted field, kept line by line so
/// that a record spanning many lines is scanned once, not re-split after
/// every line (which made an unterminated quote quadratic in the file's size).
/// It follows `CSV.fields` exactly: a quote opens a field only at its start,
/// `""` inside one is a quote, and a quote followed by anything else closes it.
struct CSVQuoteScanner: Sendable {
    private var quoted = false
    /// A quote seen inside a quoted field: the next character decides
    /// whether it was an escaped quote or the closing one.
    private var pendingQuote = false
    private var fieldEmpty = true
    let separator: Character

    init(separator: Character) {
        self.separator = separator
    }

    /// Whether everything scanned so far ends outside a quoted field.
    var isComplete: Bool { !quoted || pendingQuote }

    mutating func scan(_ text: some StringProtocol) {
        for c in text { scan(c) }
    }

    mutating func scan(_ c: Character) {
        if quoted {
            if pendingQuote {
                pendingQuote = false
                if c == "\"" {
                    fieldEmpty = false
                    return
                }
                quoted = false
            } else {
                if c == "\"" { pendingQuote = true } else { fieldEmpty = false }
                return
            }
        }
        if c == "\"", fieldEmpty {
            quoted = true
        } else if c == separator {
            fieldEmpty = true
        } else if c != "\r" {
            fieldEmpty = false
        }
    }
}
