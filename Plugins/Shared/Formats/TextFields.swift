import SluiceSchema
import SluiceSDK

/// Structures one text line into named fields: split on white space (or a
/// separator) or matched by a regex with named groups.
///
/// For the seed's line "2020-02-17T11:12:58.765969 26.04 540.1 13.12 Montrose_Beach 758028":
/// `names: [TimeStamp, WaterTemperature, Turbidity, BatteryLife, Beach, MeasurementID]`.
public struct TextFields: Sendable {
    public let names: [String]
    let separator: Character?
    let pattern: Pattern?

    /// Reads `names` + `separator`, or `regex`, from `config`; errors name `context` (e.g. "parse").
    public init(_ config: Config, context: String) throws {
        separator = try config.string("separator")?.first
        if let regex = try config.string("regex") {
            let p: Pattern
            do { p = try Pattern(regex) } catch { throw SluiceError.config("\(context).regex: invalid regular expression") }
            pattern = p
            names = p.groupNames
            guard !names.isEmpty else { throw SluiceError.config("\(context).regex: name the fields with (?<name>...) groups") }
        } else {
            pattern = nil
            guard let n = try config.strings("names"), !n.isEmpty else {
                throw SluiceError.config("\(context): give names: [...] (split) or regex: with named groups")
            }
            names = n
        }
    }

    /// The fields of `text` in `names` order, or why it does not parse.
    public func parse(_ text: Substring) -> Result<[(String, String)], Failure> {
        parse(text, scratch: makeScratch())
    }

    /// Match data for `parse(_:scratch:)`, nil when the fields are split, not matched.
    public func makeScratch() -> MatchData? { pattern?.makeMatchData() }

    /// As `parse(_:)`, matching a regex with `scratch` (reused across calls, so no allocation per line).
    public func parse(_ text: Substring, scratch: MatchData?) -> Result<[(String, String)], Failure> {
        if let pattern {
            guard let captures = pattern.captures(text, scratch ?? pattern.makeMatchData()) else {
                return .failure(Failure(reason: "\(String(text).debugDescription) does not match \(pattern.source.debugDescription)"))
            }
            return .success(names.compactMap { n in captures[n].map { (n, $0) } })
        }
        let parts: [Substring]
        if let separator {
            parts = text.split(separator: separator, omittingEmptySubsequences: false)
        } else {
            parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        }
        guard parts.count == names.count else {
            return .failure(Failure(reason: "expected \(names.count) fields (\(names.joined(separator: " "))), found \(parts.count) in \(String(text).debugDescription)"))
        }
        return .success(zip(names, parts.map(String.init)).map { ($0, $1) })
    }

    public struct Failure: Error {
        public let reason: String
        public init(reason: String) { self.reason = reason }
    }
}
