import SluiceSDK

/// How one field's values are made. Parsed from `{provider: NAME, ...options}`.
public enum Provider: Sendable {
    case firstName, lastName, fullName, email, phone, streetAddress, city, country, postcode, company, job, uuid
    case ipv4, userAgent, latitude, longitude
    case dateTime(start: Int64, end: Int64)
    case integer(min: Int64, max: Int64)
    case float(min: Double, max: Double, decimals: Int)
    case choice(values: [JSONValue], cumulativeWeights: [Double])
    case words(count: Int)
    case sentence(words: Int)
    case boolean(probability: Double)
    case sequence(start: Int64)
    case constant(JSONValue)

    public static let names = ["first_name", "last_name", "full_name", "email", "phone", "street_address", "city", "country",
                               "postcode", "company", "job", "uuid", "ipv4", "user_agent", "latitude", "longitude",
                               "date_time", "integer", "float", "choice", "weighted_choice", "words", "sentence", "boolean",
                               "sequence", "constant"]

    /// Parses a field spec; `name` is used in error messages.
    public init(_ spec: JSONObject, field name: String) throws {
        func fail(_ why: String) -> SluiceError { .config("fields.\(name): \(why)") }
        guard let provider = spec["provider"]?.string else { throw fail("missing provider (one of \(Self.names.joined(separator: ", ")))") }
        func number(_ key: String, _ d: Double) throws -> Double {
            guard let v = spec[key] else { return d }
            guard let n = v.number else { throw fail("\(key) must be a number") }
            return n
        }
        switch provider {
        case "first_name": self = .firstName
        case "last_name": self = .lastName
        case "full_name", "name": self = .fullName
        case "email": self = .email
        case "phone": self = .phone
        case "street_address", "address": self = .streetAddress
        case "city": self = .city
        case "country": self = .country
        case "postcode": self = .postcode
        case "company": self = .company
        case "job": self = .job
        case "uuid": self = .uuid
        case "ipv4": self = .ipv4
        case "user_agent": self = .userAgent
        case "latitude": self = .latitude
        case "longitude": self = .longitude
        case "date_time":
            let start = try spec["start"].map { v -> Int64 in
                guard let s = v.string, let ms = ISO8601.parse(s) else { throw fail("start must be an ISO 8601 date") }
                return ms
            } ?? 1_704_067_200_000
            let end = try spec["end"].map { v -> Int64 in
                guard let s = v.string, let ms = ISO8601.parse(s) else { throw fail("end must be an ISO 8601 date") }
                return ms
            } ?? start + 365 * 86_400_000
            guard end >= start else { throw fail("end is before start") }
            self = .dateTime(start: start, end: end)
        case "integer":
            let lo = Int64(try number("min", 0)), hi = Int64(try number("max", 100))
            guard hi >= lo else { throw fail("max is less than min") }
            self = .integer(min: lo, max: hi)
        case "float":
            let lo = try number("min", 0), hi = try number("max", 1)
            guard hi >= lo else { throw fail("max is less than min") }
            self = .float(min: lo, max: hi, decimals: Int(try number("decimals", 2)))
        case "choice", "weighted_choice":
            guard let values = spec["values"]?.array, !values.isEmpty else { throw fail("choice needs a non-empty values list") }
            var weights = [Double](repeating: 1, count: values.count)
            if let w = spec["weights"]?.array {
                guard w.count == values.count, w.allSatisfy({ ($0.number ?? -1) >= 0 }) else {
                    throw fail("weights must be \(values.count) non-negative numbers")
                }
                weights = w.map { $0.number! }
            }
            let total = weights.reduce(0, +)
            guard total > 0 else { throw fail("weights add up to 0") }
            var running = 0.0
            self = .choice(values: values, cumulativeWeights: weights.map { running += $0 / total; return running })
        case "words": self = .words(count: Int(try number("count", 3)))
        case "sentence": self = .sentence(words: Int(try number("words", 8)))
        case "boolean": self = .boolean(probability: try number("probability", 0.5))
        case "sequence": self = .sequence(start: Int64(try number("start", 1)))
        case "constant":
            guard let v = spec["value"] else { throw fail("constant needs value") }
            self = .constant(v)
        default:
            throw fail("unknown provider \(provider.debugDescription) (one of \(Self.names.joined(separator: ", ")))")
        }
    }

    /// Appends one value under `key`. `index` is the record's position (for sequences).
    public func append(_ w: inout BSONWriter, _ key: String, _ r: inout SeededRandom, index: Int64) {
        switch self {
        case .firstName: w.append(key, string: r.pick(Vocabulary.firstNames))
        case .lastName: w.append(key, string: r.pick(Vocabulary.lastNames))
        case .fullName: w.append(key, string: Fake.fullName(&r))
        case .email: w.append(key, string: Fake.email(&r))
        case .phone: w.append(key, string: Fake.phone(&r))
        case .streetAddress: w.append(key, string: Fake.streetAddress(&r))
        case .city: w.append(key, string: r.pick(Vocabulary.cities))
        case .country: w.append(key, string: r.pick(Vocabulary.countries))
        case .postcode: w.append(key, string: zeroPadded(5, r.int(501 ... 99950)))
        case .company: w.append(key, string: "\(r.pick(Vocabulary.companyStems)) \(r.pick(Vocabulary.companySuffixes))")
        case .job: w.append(key, string: r.pick(Vocabulary.jobs))
        case .uuid: w.append(key, string: Fake.uuid(&r))
        case .ipv4: w.append(key, string: "\(r.int(1 ... 223)).\(r.int(0 ... 255)).\(r.int(0 ... 255)).\(r.int(1 ... 254))")
        case .userAgent: w.append(key, string: r.pick(Vocabulary.userAgents))
        case .latitude: w.append(key, double: Fake.round(r.unit() * 180 - 90, 6))
        case .longitude: w.append(key, double: Fake.round(r.unit() * 360 - 180, 6))
        case let .dateTime(start, end): w.append(key, datetime: r.int(start ... end))
        case let .integer(lo, hi):
            let v = r.int(lo ... hi)
            if Int32(exactly: lo) != nil, Int32(exactly: hi) != nil { w.append(key, int32: Int32(v)) } else { w.append(key, int64: v) }
        case let .float(lo, hi, decimals): w.append(key, double: Fake.round(lo + r.unit() * (hi - lo), decimals))
        case let .choice(values, cumulative):
            let u = r.unit()
            let i = cumulative.firstIndex { u < $0 } ?? values.count - 1
            BSONFromJSON.append(&w, key, values[i])
        case let .words(count): w.append(key, string: Fake.words(&r, count))
        case let .sentence(words):
            let text = Fake.words(&r, max(1, words))
            w.append(key, string: text.prefix(1).uppercased() + text.dropFirst() + ".")
        case let .boolean(p): w.append(key, bool: r.unit() < p)
        case let .sequence(start): w.append(key, int64: start + index)
        case let .constant(v): BSONFromJSON.append(&w, key, v)
        }
    }
}

/// Composite fake values shared by providers and profiles.
enum Fake {
    static func fullName(_ r: inout SeededRandom) -> String { "\(r.pick(Vocabulary.firstNames)) \(r.pick(Vocabulary.lastNames))" }

    static func email(_ r: inout SeededRandom) -> String {
        let first = r.pick(Vocabulary.firstNames).lowercased(), last = r.pick(Vocabulary.lastNames).lowercased()
        let ascii = "\(first).\(last)".unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || $0 == ".") }
        return "\(String(String.UnicodeScalarView(ascii)))\(r.int(1 ... 99))@\(r.pick(Vocabulary.domains))"
    }

    static func phone(_ r: inout SeededRandom) -> String { "+1-\(r.int(201 ... 989))-555-\(zeroPadded(4, r.int(0 ... 9999)))" }

    static func streetAddress(_ r: inout SeededRandom) -> String {
        "\(r.int(1 ... 9999)) \(r.pick(Vocabulary.streets)) \(r.pick(Vocabulary.streetSuffixes))"
    }

    /// A version-4 UUID drawn from the seeded generator.
    static func uuid(_ r: inout SeededRandom) -> String {
        var bytes = (0 ..< 16).map { _ in UInt8(truncatingIfNeeded: r.next()) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return [hex[0 ..< 4], hex[4 ..< 6], hex[6 ..< 8], hex[8 ..< 10], hex[10 ..< 16]].map { $0.joined() }.joined(separator: "-")
    }

    static func words(_ r: inout SeededRandom, _ n: Int) -> String {
        (0 ..< n).map { _ in r.pick(Vocabulary.lorem) }.joined(separator: " ")
    }

    static func round(_ x: Double, _ decimals: Int) -> Double {
        var scale = 1.0
        for _ in 0 ..< max(0, decimals) { scale *= 10 }
        return (x * scale).rounded() / scale
    }
}




/// `v` in decimal, left-padded with zeros to `width` digits.
func zeroPadded(_ width: Int, _ v: Int64) -> String {
    let s = String(v)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}
