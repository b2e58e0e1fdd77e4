import SluiceSDK

/// The fields the forecaster reads from every record (key, time and value
/// fields), as dotted paths split into UTF-8 components once at create.
///
/// `read` finds all of them in one pass over the record's top-level
/// elements, descending only for dotted paths. Looking each one up by its
/// String name made a String per path component and walked the document
/// once per field: about a third of an update's instructions.
public struct FieldPaths: Sendable {
    /// Every path's first component, back to back; path i's spans `starts[i] ..< starts[i + 1]`.
    let heads: [UInt8]
    let starts: [Int]
    /// The components after the first, per path (empty for a top-level field).
    let tails: [[[UInt8]]]
    /// Paths before this index are all top-level names (the usual case): no look at `tails` per match.
    let firstNested: Int

    /// `fields` in the order `read` reports them.
    public init(_ fields: [String]) {
        let split = fields.map { $0.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) } }
        heads = split.flatMap { $0[0] }
        starts = split.reduce(into: [0]) { $0.append($0.last! + $1[0].count) }
        tails = split.map { Array($0.dropFirst()) }
        firstNested = split.firstIndex { $0.count > 1 } ?? split.count
    }

    /// Sets `found[i]` to field i's element in `doc`, or nil if it is missing.
    public func read(_ doc: BSONDocument, into found: inout [BSONElement?]) {
        let n = tails.count
        if found.count != n { found = [BSONElement?](repeating: nil, count: n) }
        heads.withUnsafeBytes { heads in
            starts.withUnsafeBufferPointer { starts in
                found.withUnsafeMutableBufferPointer { found in
                    for i in 0 ..< n { found[i] = nil }
                    var missing = n
                    for e in doc.elements {
                        for i in 0 ..< n where found[i] == nil {
                            guard e.keyEquals(UnsafeRawBufferPointer(rebasing: heads[starts[i] ..< starts[i + 1]])) else { continue }
                            found[i] = i < firstNested || tails[i].isEmpty ? e : Self.descend(e, tails[i])
                            if found[i] != nil { missing -= 1 }
                        }
                        if missing == 0 { return }
                    }
                }
            }
        }
    }

    /// The element at `path` below `e` (arrays index by position, as BSON keys them).
    static func descend(_ e: BSONElement, _ path: [[UInt8]]) -> BSONElement? {
        var current = e
        for part in path {
            guard let doc = current.document, let next = part.withUnsafeBytes({ doc.element(keyBytes: $0) }) else { return nil }
            current = next
        }
        return current
    }
}
