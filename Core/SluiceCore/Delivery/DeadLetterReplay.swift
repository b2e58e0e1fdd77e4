import SluiceSDK

/// One line of a dead-letter file: `{stage, error_class, reason, attempts, failed_at, record}` as
/// `DeadLetter.wrap` writes it.
public struct DeadLetterEntry: Sendable {
    public let stage: String
    /// `rejected`, `failed_call` or `drain_timeout`; nil in files written before it was recorded.
    public let errorClass: String?
    public let reason: String
    /// Calls made with the record before it was given up.
    public let attempts: Int?
    /// ms since the epoch.
    public let failedAt: Int64?
    public let record: JSONObject?

    /// The entries of a dead-letter file, and how many lines were not entries.
    public static func read(ndjson text: String) -> (entries: [DeadLetterEntry], malformed: Int) {
        var entries: [DeadLetterEntry] = []
        var malformed = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let v = try? JSONParser.parse(String(line)), let stage = v["stage"]?.string else {
                malformed += 1
                continue
            }
            let failedAt = v["failed_at"]?["$date"]?.string.flatMap { ISO8601.parse($0) }
            entries.append(DeadLetterEntry(stage: stage, errorClass: v["error_class"]?.string, reason: v["reason"]?.string ?? "",
                                           attempts: v["attempts"]?.integer.map(Int.init), failedAt: failedAt, record: v["record"]?.object))
        }
        return (entries, malformed)
    }
}

/// `sluice dlq replay`: the manifest that sends dead-lettered records back
/// into the components they failed at (after the cause is fixed: a mapping,
/// a schema, a server), and on through everything downstream of those.
///
/// Each failed component reads its records from a file through a new
/// `file.read` source instead of its inputs; every component not
/// downstream of one is left out, sources included. The run's own dead
/// letters go to `deadLetterPath`, never back into the file replayed.
public enum DeadLetterReplay {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter inputs: per failed component, the NDJSON file of its records.
    public static func manifest(_ manifest: Manifest, inputs: [String: String], deadLetterPath: String) throws -> Manifest {
        for stage in inputs.keys.sorted() {
            guard let spec = manifest.component(stage) else {
                throw Refusal(description: "the dead letters are from \(stage.debugDescription), which \(manifest.file) has no component of that name")
            }
            guard spec.role != .source else {
                throw Refusal(description: "\(stage) is a source: its entries hold what could not be read (raw lines, undecodable values); fix the input and read it again instead")
            }
            guard spec.inputs.count == 1 else {
                throw Refusal(description: "\(stage) reads \(spec.inputs.count) inputs, and a dead letter does not say which one its record came on")
            }
        }
        var kept = Set(inputs.keys)
        var grew = true
        while grew {
            grew = false
            for c in manifest.components where !kept.contains(c.name) && c.producers.contains(where: kept.contains) {
                kept.insert(c.name)
                grew = true
            }
        }
        var replayed = manifest
        var sources: [ComponentSpec] = []
        var components: [ComponentSpec] = []
        for var c in manifest.components where kept.contains(c.name) {
            if let file = inputs[c.name] {
                var name = "replay-\(c.name)"
                while manifest.component(name) != nil { name += "_" }
                sources.append(ComponentSpec(name: name, role: .source, use: "file.read", inputs: [],
                                             config: JSONObject([("path", .string(file)), ("format", "ndjson")]), batch: nil,
                                             location: c.location, useLocation: c.useLocation, inputLocations: [], configLocations: [:]))
                c.inputs = [name]
                c.inputLocations = [c.location]
            } else {
                let keep = c.producers.indices.filter { kept.contains(c.producers[$0]) }
                c.inputs = keep.map { c.inputs[$0] }
                c.inputLocations = keep.map { c.inputLocations[$0] }
            }
            components.append(c)
        }
        replayed.components = sources + components
        replayed.deadLetter = nil
        replayed.deadLetterLocation = nil
        replayed.engine.deadLetterPath = deadLetterPath
        return replayed
    }
}
