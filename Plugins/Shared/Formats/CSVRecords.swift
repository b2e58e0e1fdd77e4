/// Turns CSV lines into records: joins the lines of a quoted field that
/// spans several, takes the first record as the header (`CSV.headerNames`),
/// and checks every later record's cell count against it: a record with
/// another count is `mismatched`, for the caller to dead-letter, neither
/// padded nor cut.
public struct CSVRecords: Sendable {
    public enum Item: Sendable {
        /// The first record, as field names (`CSV.headerNames`).
        case header([String])
        /// A record with one cell per header name; `line` is where it began.
        case record([String], line: Int)
        /// A record whose cell count is not the header's; `text` is the record as read.
        case mismatched(text: String, cells: Int, expected: Int, line: Int)
        /// A quoted field still open after `maxRecordBytes`: `text` is the
        /// record's start. The next line begins a new record.
        case unterminated(text: String, line: Int)
    }

    public let separator: Character
    /// The longest record (over all its lines) before an open quote is taken for a stray one.
    public let maxRecordBytes: Int
    /// The field names (`CSV.headerNames`), once the first record is read.
    public private(set) var header: [String]?
    /// The header's repeated names that `CSV.headerNames` renamed, for a warning.
    public private(set) var renamed: [String] = []
    /// A record still open after the last line fed (an unterminated quoted field).
    public private(set) var unfinished: (text: String, line: Int)?
    private var scanner: CSVQuoteScanner

    public init(separator: Character = ",", maxRecordBytes: Int = 1 << 20) {
        self.separator = separator
        self.maxRecordBytes = maxRecordBytes
        scanner = CSVQuoteScanner(separator: separator)
    }

    /// Feeds line `number`; nil while a quoted field is still open.
    public mutating func feed(_ line: Substring, number: Int) -> Item? {
        let start = unfinished?.line ?? number
        var text = ""
        if unfinished != nil {
            // Taken, not copied: appending to a string still shared with
            // `unfinished` would copy the whole record for every line.
            swap(&text, &unfinished!.text)
            text += "\n"
            scanner.scan("\n" as Character)
        }
        scanner.scan(line)
        text += line
        guard scanner.isComplete, let cells = CSV.fields(text, separator: separator) else {
            guard text.utf8.count <= maxRecordBytes else {
                unfinished = nil
                scanner = CSVQuoteScanner(separator: separator)
                return .unterminated(text: String(text.prefix(200)), line: start)
            }
            unfinished = (text, start)
            return nil
        }
        unfinished = nil
        scanner = CSVQuoteScanner(separator: separator)
        guard let header else {
            let names: [String]
            (names, renamed) = CSV.headerNames(cells)
            self.header = names
            return .header(names)
        }
        guard cells.count == header.count else {
            return .mismatched(text: text, cells: cells.count, expected: header.count, line: start)
        }
        return .record(cells, line: start)
    }

    /// The input ended: the record still open, if any (its quoted field
    /// never closed: malformed), which is then dropped from this reader.
    /// Not for the end of what a growing file has so far (follow mode):
    /// the rest of the record may still come.
    public mutating func finish() -> (text: String, line: Int)? {
        defer {
            unfinished = nil
            scanner = CSVQuoteScanner(separator: separator)
        }
        return unfinished
    }
}
