import SluiceSDK

/// One config key: its name, JSON Schema type, default and description in
/// one place, so the schema the host checks, the value the sink reads and
/// the reference `sluice explain dashboard.serve` prints cannot disagree.
struct Setting<Value: Sendable>: Sendable, SchemaEntry {
    let name: String
    /// The JSON Schema members for the value, e.g. `"type": "integer", "minimum": 1`.
    let type: String
    let defaultValue: Value
    let doc: String
    /// A default that is not a value (`the record key`), said in the description;
    /// nil: `defaultValue` is the schema's `default`.
    let shownDefault: String?

    init(_ name: String, _ type: String, default defaultValue: Value, shown: String? = nil, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
        self.shownDefault = shown
    }

    var schemaMember: String {
        let description = JSONWriter.string(.string(doc + (shownDefault.map { " (default: \($0))" } ?? "")))
        var member = "\"\(name)\": {\(type), \"description\": \(description)"
        if shownDefault == nil {
            switch defaultValue {
            case let n as Int: member += ", \"default\": \(n)"
            case let text as String: member += ", \"default\": " + JSONWriter.string(.string(text))
            default: break
            }
        }
        return member + "}"
    }
}

/// What the schema needs of a setting whatever its value type.
protocol SchemaEntry: Sendable {
    var schemaMember: String { get }
}

extension Config {
    func value(_ s: Setting<Int>) throws -> Int { try int(s.name, default: s.defaultValue) }
    func value(_ s: Setting<String>) throws -> String { try string(s.name, default: s.defaultValue) }
    func value(_ s: Setting<String?>) throws -> String? { try string(s.name) ?? s.defaultValue }
    func value(_ s: Setting<[String]>) throws -> [String] { try strings(s.name) ?? s.defaultValue }
    func value(_ s: Setting<[String]?>) throws -> [String]? { try strings(s.name) ?? s.defaultValue }
    func value(_ s: Setting<[Double]>) throws -> [Double] {
        try array(s.name)?.map {
            guard let d = $0.number else { throw SluiceError.config("\(s.name): expected numbers") }
            return d
        } ?? s.defaultValue
    }
}
