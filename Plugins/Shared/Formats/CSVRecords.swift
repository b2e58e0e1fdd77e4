/// Turns CSV lines into records: joins the lines of a quoted field that
/// spans several, takes the first record as the header, and checks every
/// later record's cell count against it.
public struct CSVRecords: Sendable {
    public enum Item: Sendable {
        /// The first record.
        case header([String])
        /// A record with one cell per header name; `line` is where it began.
        case record([String], line: Int)
        /// A record whose cell count is not the header's; `text` is the record as read.
        case mismatched(text: String, cells: Int, expected: Int, line: Int)
    }

    public let separator: Character
    public private(set) var header: [String]?
    /// A record still open after the last line fed (an unterminated quoted field).
    public private(set) var unfinished: (text: String, line: Int)?

    public init(separator: Character = ",") {
        self.separator = separator
    }

    /// Feeds line `number`; nil while a quoted field is still open.
    public mutating func feed(_ line: Substring, number: Int) -> Item? {
        let start = unfinished?.line ?? number
        let text = unfinished.map { $0.text + "\n" + line } ?? String(line)
        guard let cells = CSV.fields(text, separator: separator) else {
            unfinished = (text, start)
            return nil
        }
        unfinished = nil
        guard let header else {
            self.header = cells
            return .header(cells)
        }
        guard cells.count == header.count else {
            return .mismatched(text: text, cells: cells.count, expected: header.count, line: start)
        }
        return .record(cells, line: start)
    }
}
