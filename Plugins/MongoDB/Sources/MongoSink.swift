import CMongoc
import Foundation
import SluiceSDK

/// `mongodb.write`: bulk writes through libmongoc's client pool.
///
/// Records are BSON already and reach the bulk operation as they are. In
/// `upsert` and `replace` mode the `key` fields select the document, so a
/// replayed batch rewrites the same documents instead of duplicating them.
/// Per-document errors map back to their records: duplicate keys and
/// validation failures are dead-lettered with the server's code and message;
/// network errors, primary changes and write-concern timeouts are retried.
public final class MongoSink: Sink {
    public static let name = "write"
    public static let summary = "Bulk insert, upsert or replace into a MongoDB collection"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false, "required": ["uri", "database", "collection"],
     "properties": {
       "uri": {"type": "string", "description": "mongodb://user:pass@host:port/?options (use ${ENV} for secrets)"},
       "database": {"type": "string", "minLength": 1, "description": "the database written to"},
       "collection": {"type": "string", "minLength": 1, "description": "a name, or a template like sensors_{Beach}"},
       "mode": {"enum": ["insert", "upsert", "replace"], "description": "insert (default): each record a new document; upsert: $set the record's fields on the document key selects, adding it if none; replace: put the record in place of that document, adding it if none. upsert and replace need key and make replays idempotent"},
       "key": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "upsert and replace: field paths whose values select the document; a record without one is dead-lettered (a path through a null selects null)"},
       "ordered": {"type": "boolean", "description": "false (default): the server writes every document of a bulk it can, in any order; true: in order. The server stops an ordered bulk at a failed document; the sink reports that one (dead letter, or a retry for a retriable error) and sends the documents after it on, in order, in a bulk of their own"},
       "write_concern": {"type": "object", "additionalProperties": false,
                         "description": "when the server reports a bulk written (default: the URI's, else the server's); an unmet one fails the batch, retriable",
                         "properties": {"w": {"type": ["integer", "string"], "description": "how many replica set members must have it, or majority"},
                                        "j": {"type": "boolean", "description": "true: only once it is in the on-disk journal"},
                                        "wtimeout_ms": {"type": "integer", "minimum": 0, "description": "how long the server waits for w before it reports the concern unmet (no limit when left out)"}}},
       "indexes": {"type": "array", "description": "indexes created at start if missing, each {keys: {field: 1 or -1, …}, unique (false), name (default from the keys)}; needs a fixed collection name, not a template",
                   "items": {"type": "object", "required": ["keys"], "additionalProperties": false,
                   "properties": {"keys": {"type": "object", "description": "field → 1 (ascending), -1 (descending) or an index type such as 2dsphere, in order"},
                                  "unique": {"type": "boolean", "description": "true: the server refuses a second document with the same keys (duplicate key 11000, dead-lettered); default false"},
                                  "name": {"type": "string", "description": "the index's name (default: fields and values joined by _, e.g. Beach_1_time_-1)"}}}},
       "timeseries": {"type": "object", "required": ["time_field"], "additionalProperties": false,
                      "description": "create the collection at start as a time-series collection (left as it is if it exists); ignored for a collection template",
                      "properties": {"time_field": {"type": "string", "description": "the field holding each document's date (timeField)"},
                                     "meta_field": {"type": "string", "description": "the field that names a document's series, e.g. its sensor (metaField)"},
                                     "granularity": {"enum": ["seconds", "minutes", "hours"], "description": "about how far apart a series' documents are (default: the server's, seconds)"}}}
     },
     "if": {"properties": {"mode": {"enum": ["upsert", "replace"]}}, "required": ["mode"]},
     "then": {"required": ["key"]}}
    """#

    enum Mode: String { case insert, upsert, replace }

    let pool: OpaquePointer
    let uri: OpaquePointer
    let database: String
    let collection: FieldTemplate
    let mode: Mode
    let keys: [String]
    let ordered: Bool
    /// `{w, j, wtimeout}` for the bulk options, when configured.
    let writeConcern: JSONValue?
    let host: PluginHost
    let safeURI: String
    let docSlot = BSONSlot(), selectorSlot = BSONSlot(), updateSlot = BSONSlot(), optsSlot = BSONSlot(), replySlot = BSONSlot()
    var writer = BSONWriter(capacity: 512), selector = BSONWriter(capacity: 128)
    let written: Metric

    /// Parsing the URI touches no server.
    public static func check(config: Config, host: PluginHost) throws {
        MongoLibrary.initialize()
        let text = try config.requiredString("uri")
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            throw SluiceError.config("uri: \(error.text) (\(redact(text)))")
        }
        mongoc_uri_destroy(uri)
    }

    public required init(config: Config, host: PluginHost) throws {
        MongoLibrary.initialize()
        self.host = host
        let uriText = try config.requiredString("uri")
        safeURI = MongoSink.redact(uriText)
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(uriText, &error) else {
            throw SluiceError.config("uri: \(error.text) (\(safeURI))")
        }
        // Fail fast per attempt; the engine's backoff does the waiting.
        if !uriText.contains("serverSelectionTimeoutMS") {
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 3000)
        }
        if !uriText.contains("connectTimeoutMS") { mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 2000) }
        self.uri = uri
        guard let pool = mongoc_client_pool_new(uri) else {
            mongoc_uri_destroy(uri)
            throw SluiceError.config("uri: cannot create a client for \(safeURI)")
        }
        self.pool = pool
        mongoc_client_pool_set_error_api(pool, 2)
        mongoc_client_pool_set_appname(pool, "sluice")
        database = try config.requiredString("database")
        collection = FieldTemplate(try config.requiredString("collection"))
        mode = Mode(rawValue: try config.string("mode", default: "insert")) ?? .insert
        keys = try config.strings("key") ?? []
        ordered = try config.bool("ordered", default: false)
        written = host.metric(.counter, "documents_written_total", help: "documents acknowledged by the server")
        writeConcern = try MongoSink.writeConcern(config.object("write_concern"))
        // Fully initialised from here: if these throw, deinit releases the pool.
        try ping()
        try createTimeseries(config.object("timeseries"))
        try ensureIndexes(config.array("indexes") ?? [])
        MongoLogRoute.attach(host)
    }

    deinit {
        MongoLogRoute.detach(host)
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }

    static func redact(_ uri: String) -> String {
        guard let at = uri.firstIndex(of: "@"), let scheme = uri.range(of: "://"), scheme.upperBound < at else { return uri }
        let credentials = uri[scheme.upperBound ..< at]
        guard let colon = credentials.firstIndex(of: ":") else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at...])
    }

    private func withClient<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        let client = mongoc_client_pool_pop(pool)!
        defer { mongoc_client_pool_push(pool, client) }
        return try body(client)
    }

    /// Runs a command on `database`; throws classified errors.
    @discardableResult
    private func command(_ build: (inout BSONWriter) -> Void, on db: String? = nil, tolerate: Set<Int32> = []) throws -> JSONValue {
        var w = BSONWriter()
        build(&w)
        let bytes = w.finish()
        return try bytes.withUnsafeBytes { raw in
            let cmd = selectorSlot.view(raw)
            var error = bson_error_t()
            let reply = replySlot.forReply()
            let ok = withClient { mongoc_client_command_simple($0, db ?? database, cmd, nil, reply, &error) }
            let result = replySlot.document.jsonValue
            if !ok, !tolerate.contains(Int32(error.code)) { throw classify(error, result) }
            return result
        }
    }

    private func classify(_ error: bson_error_t, _ reply: JSONValue?) -> SluiceError {
        let code = Int32(error.code)
        let message = "\(error.text) (code \(code))"
        if error.domain == MONGOC_ERROR_SERVER_SELECTION.rawValue || error.domain == MONGOC_ERROR_STREAM.rawValue {
            return .retriable("cannot reach MongoDB at \(safeURI): \(message)")
        }
        if error.domain == MONGOC_ERROR_CLIENT.rawValue && code == Int32(MONGOC_ERROR_CLIENT_AUTHENTICATE.rawValue) || code == 18 {
            return .config("authentication failed for \(safeURI): \(message)")
        }
        return MongoErrorClass.isRetriable(code: code) ? .retriable(message) : .permanent(message)
    }

    private func ping() throws {
        try command({ $0.append("ping", int32: 1) }, on: "admin")
    }

    static func writeConcern(_ config: Config?) throws -> JSONValue? {
        guard let config else { return nil }
        var wc = JSONObject()
        if let w = config["w"] {
            guard w.string == "majority" || w.integer != nil else { throw SluiceError.config("write_concern.w: an integer or \"majority\"") }
            wc["w"] = w
        }
        if config.has("j") { wc["j"] = .bool(try config.bool("j", default: false)) }
        if let t = try config.int("wtimeout_ms") { wc["wtimeout"] = .int(Int64(t)) }
        return .object(wc)
    }

    private func createTimeseries(_ config: Config?) throws {
        guard let config, let name = collection.fixedName else { return }
        let time = try config.requiredString("time_field")
        let meta = try config.string("meta_field")
        let granularity = try config.string("granularity")
        // 48 NamespaceExists: created by an earlier run.
        try command({ w in
            w.append("create", string: name)
            w.appendDocument("timeseries") { t in
                t.append("timeField", string: time)
                if let meta { t.append("metaField", string: meta) }
                if let granularity { t.append("granularity", string: granularity) }
            }
        }, tolerate: [48])
    }

    /// createIndexes, since libmongoc 1.23 has no index model API.
    private func ensureIndexes(_ specs: [JSONValue]) throws {
        guard !specs.isEmpty else { return }
        guard let name = collection.fixedName else { throw SluiceError.config("indexes: needs a fixed collection name, not a template") }
        try command { w in
            w.append("createIndexes", string: name)
            w.appendArray("indexes") { a in
                for spec in specs {
                    a.appendDocument("") { i in
                        let keys = spec["keys"] ?? .object(JSONObject())
                        BSONFromJSON.append(&i, "key", keys)
                        let generated = (keys.object?.members ?? []).map { "\($0.key)_\(JSONWriter.string($0.value))" }.joined(separator: "_")
                        i.append("name", string: spec["name"]?.string ?? generated)
                        if spec["unique"]?.bool == true { i.append("unique", bool: true) }
                    }
                }
            }
        }
    }

    public func write(_ batch: Batch, _ output: Output) throws {
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for record in batch {
            guard let name = collection.resolve(record.document) else {
                output.fail(record.index, "collection template \(collection.template.debugDescription): field missing in the record")
                continue
            }
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(record.index)
        }
        var firstRetriable: SluiceError?
        var acknowledged = 0
        for name in order {
            do {
                acknowledged += try write(batch, groups[name]!, to: name, output)
            } catch let e as SluiceError {
                if case .retriable = e {
                    for i in groups[name]! { output.fail(i, e.description, retriable: true) }
                    firstRetriable = firstRetriable ?? e
                } else {
                    for i in groups[name]! { output.fail(i, e.description) }
                }
            }
        }
        written.record(Double(acknowledged))
        if let firstRetriable { host.log(.warning, "\(firstRetriable)") }
    }

    /// Bulk operations for the records at `indices`; returns how many the
    /// server acknowledged. An ordered bulk stops at its first failed
    /// document, so the documents after it go out again in a bulk of their
    /// own, still in order: the failed one is reported (dead-lettered or
    /// retried), and none after it is counted as written without being sent.
    private func write(_ batch: Batch, _ indices: [Int], to name: String, _ output: Output) throws -> Int {
        var remaining = indices[...]
        var acknowledged = 0
        while !remaining.isEmpty {
            let (written, stoppedAfter) = try bulk(batch, remaining, to: name, output)
            acknowledged += written
            remaining = remaining[(stoppedAfter ?? remaining.endIndex - 1) + 1 ..< remaining.endIndex]
        }
        return acknowledged
    }

    /// One bulk operation for the records at `indices`: how many the server
    /// acknowledged and, when an ordered bulk stopped at a document that
    /// failed for good, the position in `indices` of that document (those
    /// after it were not sent).
    private func bulk(_ batch: Batch, _ indices: ArraySlice<Int>, to name: String, _ output: Output) throws -> (Int, Int?) {
        try withClient { client in
            let coll = mongoc_client_get_collection(client, database, name)
            defer { mongoc_collection_destroy(coll) }
            var opts = BSONWriter()
            opts.append("ordered", bool: ordered)
            if let writeConcern { BSONFromJSON.append(&opts, "writeConcern", writeConcern) }
            let optsBytes = opts.finish()
            return try optsBytes.withUnsafeBytes { o in
                guard let bulk = mongoc_collection_create_bulk_operation_with_opts(coll, optsSlot.view(o)) else {
                    throw SluiceError.retriable("cannot create a bulk operation")
                }
                defer { mongoc_bulk_operation_destroy(bulk) }
                var queued: [(record: Int, position: Int)] = []
                for position in indices.indices {
                    var error = bson_error_t()
                    if let problem = add(batch[indices[position]], to: bulk, &error) {
                        output.fail(indices[position], problem)
                    } else {
                        queued.append((indices[position], position))
                    }
                }
                guard !queued.isEmpty else { return (0, nil) }
                var error = bson_error_t()
                let reply = replySlot.forReply()
                let ok = mongoc_bulk_operation_execute(bulk, reply, &error) != 0
                let (written, stopped) = try mapReply(ok: ok, error: error, queued: queued.map(\.record), output)
                return (written, stopped.map { queued[$0].position })
            }
        }
    }

    /// Whether `path` runs into a null before its end: an outer join row's
    /// `payment: null` for the key `payment.payment_id`. The key then selects
    /// null, as MongoDB's own match of a dotted path through a null does.
    static func underNull(_ doc: BSONDocument, _ path: String) -> Bool {
        var current: BSONDocument? = doc
        for part in path.split(separator: ".") {
            guard let d = current, let e = d[String(part)] else { return false }
            if e.type == .null { return true }
            current = e.document
        }
        return false
    }

    /// Queues one record; returns why it cannot be written, if so.
    private func add(_ record: Record, to bulk: OpaquePointer, _ error: inout bson_error_t) -> String? {
        let doc = record.document
        if mode == .insert {
            return mongoc_bulk_operation_insert_with_opts(bulk, docSlot.view(doc.bytes), nil, &error) ? nil : error.text
        }
        selector.reset()
        for key in keys {
            if let e = doc.element(path: key) {
                selector.append(e, as: key)
            } else if Self.underNull(doc, key) {
                selector.appendNull(key)
            } else {
                return "key field \(key.debugDescription) is missing"
            }
        }
        let selectorBytes = selector.finish()
        let keepsID = keys.contains("_id")
        writer.reset()
        if mode == .upsert {
            writer.appendDocument("$set") { set in
                for e in doc.elements where !(e.key == "_id" && !keepsID) { set.append(e) }
            }
            if !keepsID, let id = doc["_id"] {
                writer.appendDocument("$setOnInsert") { $0.append(id) }
            }
        } else {
            for e in doc.elements where !(e.key == "_id" && !keepsID) { writer.append(e) }
        }
        let body = writer.finish()
        var upsert = BSONWriter()
        upsert.append("upsert", bool: true)
        let upsertBytes = upsert.finish()
        return selectorBytes.withUnsafeBytes { s in
            body.withUnsafeBytes { b in
                upsertBytes.withUnsafeBytes { u in
                    let sel = selectorSlot.view(s), update = updateSlot.view(b), opts = optsSlot.view(u)
                    let ok = mode == .upsert
                        ? mongoc_bulk_operation_update_one_with_opts(bulk, sel, update, opts, &error)
                        : mongoc_bulk_operation_replace_one_with_opts(bulk, sel, update, opts, &error)
                    return ok ? nil : error.text
                }
            }
        }
    }

    /// Reads writeErrors and writeConcernErrors back onto the records:
    /// how many were written and, for an ordered bulk stopped by a document
    /// that failed for good, that document's index in `queued`. The
    /// documents an ordered bulk did not reach after a retriable failure are
    /// failed as retriable with it.
    private func mapReply(ok: Bool, error: bson_error_t, queued: [Int], _ output: Output) throws -> (Int, Int?) {
        let reply = replySlot.document
        var failed = Set<Int>()
        var first: (position: Int, retriable: Bool)?
        if let errors = reply["writeErrors"]?.document {
            for e in errors.elements {
                guard let item = e.document, let position = item["index"]?.integer, position >= 0, Int(position) < queued.count else { continue }
                let code = Int32(item["code"]?.integer ?? 0)
                let message = "MongoDB error \(code): \(item["errmsg"]?.string ?? "no message")"
                let retriable = MongoErrorClass.isRetriable(code: code)
                output.fail(queued[Int(position)], message, retriable: retriable)
                failed.insert(Int(position))
                if first.map({ Int(position) < $0.position }) ?? true { first = (Int(position), retriable) }
            }
        }
        if let concern = reply["writeConcernErrors"]?.document, let problem = concern.elements.first(where: { _ in true })?.document {
            let message = "write concern not satisfied: \(problem["errmsg"]?.string ?? "") (code \(problem["code"]?.integer ?? 0))"
            for (p, i) in queued.enumerated() where !failed.contains(p) { output.fail(i, message, retriable: true) }
            return (0, nil)
        }
        if ordered, let first {
            guard first.retriable else { return (first.position, first.position) }
            for p in first.position + 1 ..< queued.count where !failed.contains(p) {
                output.fail(queued[p], "not sent: the ordered bulk stopped at an earlier document's retriable error", retriable: true)
            }
            return (first.position, nil)
        }
        if !ok, failed.isEmpty {
            let e = classify(error, nil)
            if case .retriable = e { throw e }
            for (p, i) in queued.enumerated() where !failed.contains(p) { output.fail(i, e.description) }
            return (0, nil)
        }
        return (queued.count - failed.count, nil)
    }
}

/// mongoc_init must run once per process, before any other call. The
/// driver's own log goes through the host (`MongoLogRoute`) from info up;
/// its debug and trace chatter (every failed heartbeat during an outage) is
/// dropped before formatting, since the sink reports outages itself.
enum MongoLibrary {
    private static let once: Void = {
        mongoc_init()
        mongoc_log_set_handler({ level, domain, message, _ in
            guard level.rawValue <= MONGOC_LOG_LEVEL_INFO.rawValue, let message else { return }
            let hostLevel: PluginHost.LogLevel = level.rawValue <= MONGOC_LOG_LEVEL_CRITICAL.rawValue ? .error
                : level == MONGOC_LOG_LEVEL_WARNING ? .warning : .info
            MongoLogRoute.log(hostLevel, "mongoc \(domain.map { String(cString: $0) } ?? ""): \(String(cString: message))")
        }, nil)
    }()

    static func initialize() { _ = once }
}
