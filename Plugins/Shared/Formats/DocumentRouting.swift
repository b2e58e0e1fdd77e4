import SluiceSDK

/// Where a record goes in Elasticsearch: its index (a name, or a template
/// with `%Y.%m.%d` from the event date and `{field}`), `_id`, routing and
/// ingest pipeline. `elasticsearch.write` puts them on the bulk action line;
/// `logstash.write` sends them under `@metadata` for Logstash's output.
public struct DocumentRouting: Sendable {
    let index: String?
    /// The index name when the template has neither dates nor fields.
    let fixedIndex: String?
    let idField: String?
    let routingField: String?
    let pipeline: String?

    /// Reads `index`, `id_field`, `routing_field` and `pipeline`.
    public init(_ config: Config) throws {
        index = try config.string("index")
        fixedIndex = index.flatMap { $0.contains("%") || $0.contains("{") ? nil : $0 }
        idField = try config.string("id_field")
        routingField = try config.string("routing_field")
        pipeline = try config.string("pipeline")
    }

    /// Whether no option is set.
    public var isEmpty: Bool { index == nil && idField == nil && routingField == nil && pipeline == nil }

    /// `_index`, `_id`, `routing` and (with `withPipeline`) `pipeline` of
    /// `record`, each only when configured; or why the record has none.
    public func metadata(_ record: Record, withPipeline: Bool = true) -> Result<JSONObject, SluiceError> {
        let d = record.document
        var meta = JSONObject()
        if let index {
            guard let name = fixedIndex ?? IndexName.resolve(index, d, eventTime: record.eventTime) else {
                return .failure(.permanent("index template \(index): a field it names is missing"))
            }
            meta["_index"] = .string(name)
        }
        if let idField {
            guard let e = d.element(path: idField) else { return .failure(.permanent("id field \(idField) is missing")) }
            meta["_id"] = .string(Self.text(e))
        }
        if let routingField, let e = d.element(path: routingField) { meta["routing"] = .string(Self.text(e)) }
        if let pipeline, withPipeline { meta["pipeline"] = .string(pipeline) }
        return .success(meta)
    }

    private static func text(_ e: BSONElement) -> String { e.string ?? JSONWriter.string(e.jsonValue) }
}
