/// The metadata a plugin carries in its `.note.sluice` ELF note, readable
/// without loading the library.
public struct PluginNote: Sendable, Equatable {
    public var abiMajor: Int
    public var abiMinor: Int
    public var name: String
    public var version: String
    public var description: String
    /// Components as announced, e.g. ("source", "generate", []) or
    /// ("processor", "route", ["high", "low"]) for `processor:route[high,low]`.
    public var components: [(kind: String, name: String, outputs: [String])]

    public static func == (a: PluginNote, b: PluginNote) -> Bool {
        a.abiMajor == b.abiMajor && a.abiMinor == b.abiMinor && a.name == b.name && a.version == b.version
            && a.description == b.description && a.components.map(\.name) == b.components.map(\.name)
            && a.components.map(\.outputs) == b.components.map(\.outputs)
    }

    /// Parses the note's "key=value" lines; nil if required keys are missing.
    public init?(text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        guard let abi = fields["abi"], let name = fields["name"], let version = fields["version"] else { return nil }
        let parts = abi.split(separator: ".")
        guard let major = parts.first.flatMap({ Int($0) }) else { return nil }
        abiMajor = major
        abiMinor = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        self.name = name
        self.version = version
        description = fields["description"] ?? ""
        components = (fields["components"] ?? "").split(separator: " ").map { item in
            let kv = item.split(separator: ":", maxSplits: 1)
            guard kv.count == 2 else { return ("?", String(item), []) }
            var name = Substring(kv[1])
            var outputs: [String] = []
            if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
                outputs = name[name.index(after: open) ..< name.index(before: name.endIndex)].split(separator: ",").map(String.init)
                name = name[..<open]
            }
            return (String(kv[0]), String(name), outputs)
        }
    }
}
