/// A component's `config:` object with typed, error-reporting accessors.
///
/// The host has already checked the object against the component's JSON
/// Schema; these accessors still name the key when a value is unusable.
public struct Config: Sendable {
    public let json: JSONObject

    public init(_ json: JSONObject) { self.json = json }

    public init(json text: String) throws {
        guard case let .object(o) = try JSONParser.parse(text) else { throw SluiceError.config("config must be an object") }
        self.json = o
    }

    public subscript(key: String) -> JSONValue? { json[key] }

    public func has(_ key: String) -> Bool { json[key] != nil }

    public func string(_ key: String) throws -> String? {
        guard let v = json[key] else { return nil }
        guard let s = v.string else { throw SluiceError.config("\(key): expected a string, got \(v.typeName)") }
        return s
    }

    public func string(_ key: String, default d: String) throws -> String { try string(key) ?? d }

    public func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw SluiceError.config("\(key): required") }
        return s
    }

    public func int(_ key: String) throws -> Int? {
        guard let v = json[key] else { return nil }
        guard let i = v.integer else { throw SluiceError.config("\(key): expected an integer, got \(v.typeName)") }
        return Int(i)
    }

    public func int(_ key: String, default d: Int) throws -> Int { try int(key) ?? d }

    public func double(_ key: String) throws -> Double? {
        guard let v = json[key] else { return nil }
        guard let d = v.number else { throw SluiceError.config("\(key): expected a number, got \(v.typeName)") }
        return d
    }

    public func double(_ key: String, default d: Double) throws -> Double { try double(key) ?? d }

    public func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let v = json[key] else { return d }
        guard let b = v.bool else { throw SluiceError.config("\(key): expected true or false, got \(v.typeName)") }
        return b
    }

    public func object(_ key: String) throws -> Config? {
        guard let v = json[key] else { return nil }
        guard let o = v.object else { throw SluiceError.config("\(key): expected an object, got \(v.typeName)") }
        return Config(o)
    }

    public func array(_ key: String) throws -> [JSONValue]? {
        guard let v = json[key] else { return nil }
        guard let a = v.array else { throw SluiceError.config("\(key): expected an array, got \(v.typeName)") }
        return a
    }

    public func strings(_ key: String) throws -> [String]? {
        try array(key).map { items in
            try items.map {
                guard let s = $0.string else { throw SluiceError.config("\(key): expected strings") }
                return s
            }
        }
    }
}
