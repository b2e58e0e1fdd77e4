import SluiceSDK

/// Value fields that no record has: a typo in `value_fields` leaves a
/// forecast that never warms up, with nothing in the log to say why. After
/// `patience` records in which a field never appeared, it is named once,
/// with the fields the records did have.
struct AbsentFields {
    /// Records read before a field none of them had is reported.
    static let patience = 100
    /// Top-level names kept for the message.
    static let namesKept = 30

    let fields: [String]
    /// Per value field: not in any record so far.
    private var unseen: [Bool]
    private var records = 0
    /// The records' top-level field names, in order of first appearance.
    private var names: [String] = []
    /// Set once the verdict is in: every field seen, or the warning given.
    private(set) var settled = false
    /// Per value field: records without it since `takeCounts`, so the
    /// counter is recorded once a batch rather than once a record (a host call each).
    private var absentSinceTaken: [Int]

    init(_ fields: [String]) {
        self.fields = fields
        unseen = Array(repeating: true, count: fields.count)
        absentSinceTaken = Array(repeating: 0, count: fields.count)
    }

    /// Counts the value fields `found` lacks (matches in order, as in `note`).
    mutating func count(_ found: ArraySlice<BSONElement?>) {
        for (f, element) in zip(absentSinceTaken.indices, found) where element == nil { absentSinceTaken[f] += 1 }
    }

    /// The counts since the last call, by value field index, the zeros left
    /// out; starts counting afresh.
    mutating func takeCounts() -> [(field: Int, records: Int)] {
        defer { for f in absentSinceTaken.indices { absentSinceTaken[f] = 0 } }
        return absentSinceTaken.enumerated().filter { $0.element > 0 }.map { (field: $0.offset, records: $0.element) }
    }

    /// Notes which value fields `document` has (`found`: `FieldPaths.read`'s
    /// matches of the value fields, in order). Returns the warning when
    /// this record is the `patience`-th and some field was in none of them.
    mutating func note(_ found: ArraySlice<BSONElement?>, in document: BSONDocument) -> String? {
        guard !settled else { return nil }
        for (f, element) in zip(unseen.indices, found) where element != nil { unseen[f] = false }
        if names.count < Self.namesKept {
            for e in document.elements where names.count < Self.namesKept && !names.contains(e.key) { names.append(e.key) }
        }
        records += 1
        let absent = zip(fields, unseen).filter(\.1).map { "'\($0.0)'" }
        if absent.isEmpty {
            settled = true
            return nil
        }
        guard records == Self.patience else { return nil }
        settled = true
        let seen = names.isEmpty ? "none" : names.joined(separator: ", ") + (names.count == Self.namesKept ? ", …" : "")
        return "value_fields \(absent.joined(separator: ", ")): in none of the first \(records) records, so no model learns from"
            + " \(absent.count == 1 ? "it" : "them") (a typo?); fields seen: \(seen)"
    }
}
