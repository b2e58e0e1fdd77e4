import SluiceSchema
import SluiceSDK

/// The `parse:` step: structures a raw text field into named fields, by
/// splitting on white space (or a separator) or by a regex with named groups.
///
/// For the seed's line "2020-02-17T11:12:58.765969 26.04 540.1 13.12 Montrose_Beach 758028":
/// `{field: RawData, names: [TimeStamp, WaterTemperature, Turbidity, BatteryLife, Beach, MeasurementID]}`.
public struct LineParser: Sendable {
    public let field: String
    public let names: [String]
    let separator: String?
    let pattern: Pattern?
    public let dropSource: Bool

    public init(_ config: Config) throws {
        field = try config.requiredString("field")
        dropSource = try config.bool("drop_source", default: false)
        separator = try config.string("separator")
        if let regex = try config.string("regex") {
            let p: Pattern
            do { p = try Pattern(regex) } catch { throw SluiceError.config("parse.regex: invalid regular expression") }
            pattern = p
            names = p.groupNames
            guard !names.isEmpty else { throw SluiceError.config("parse.regex: name the fields with (?<name>...) groups") }
        } else {
            pattern = nil
            guard let n = try config.strings("names"), !n.isEmpty else {
                throw SluiceError.config("parse: give names: [...] (split) or regex: with named groups")
            }
            names = n
        }
    }

    /// The fields of `text` in `names` order, or why it does not parse.
    public func parse(_ text: String) -> Result<[(String, String)], ParseFailure> {
        if let pattern {
            guard let captures = pattern.captures(text, names: names) else {
                return .failure(ParseFailure(reason: "\(field): \(text.debugDescription) does not match \(pattern.source.debugDescription)"))
            }
            return .success(names.compactMap { n in captures[n].map { (n, $0) } })
        }
        let parts: [Substring]
        if let separator, let sep = separator.first {
            parts = text.split(separator: sep, omittingEmptySubsequences: false)
        } else {
            parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        }
        guard parts.count == names.count else {
            return .failure(ParseFailure(reason: "\(field): expected \(names.count) fields (\(names.joined(separator: " "))), found \(parts.count) in \(text.debugDescription)"))
        }
        return .success(zip(names, parts.map(String.init)).map { ($0, $1) })
    }

    public struct ParseFailure: Error {
        public let reason: String
    }
}
