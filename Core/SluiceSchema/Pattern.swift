import Foundation

/// An ECMA-262-style regular expression, compiled once. JSON Schema
/// patterns are unanchored: they match anywhere in the string.
public final class Pattern: Sendable {
    public let source: String
    let regex: NSRegularExpression

    public init(_ source: String) throws {
        self.source = source
        do {
            regex = try NSRegularExpression(pattern: source)
        } catch {
            throw SchemaError(path: "", reason: "invalid regular expression \(source.debugDescription)")
        }
    }

    public func matches(_ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Named capture groups of the first match, or nil when nothing matches.
    public func captures(_ s: String, names: [String]) -> [String: String]? {
        guard let m = regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { return nil }
        var out: [String: String] = [:]
        for name in names {
            let r = m.range(withName: name)
            if r.location != NSNotFound, let range = Range(r, in: s) { out[name] = String(s[range]) }
        }
        return out
    }

    /// The names of the pattern's named groups, in order.
    public var groupNames: [String] {
        let finder = try! NSRegularExpression(pattern: #"\(\?<([A-Za-z][A-Za-z0-9_]*)>"#)
        return finder.matches(in: source, range: NSRange(source.startIndex..., in: source)).compactMap {
            Range($0.range(at: 1), in: source).map { String(source[$0]) }
        }
    }
}
