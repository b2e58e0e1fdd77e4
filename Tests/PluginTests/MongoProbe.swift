import CMongoc
import Foundation
import SluiceSDK

/// Reads a collection back with libmongoc, independently of the sink.
struct MongoProbe {
    let uri: String
    let database: String
    let collection: String

    /// Every document, as raw BSON (so tests can check the stored types).
    func documents() throws -> [[UInt8]] {
        mongoc_init()
        var error = bson_error_t()
        guard let client = mongoc_client_new(uri) else { throw NSError(domain: "probe", code: 1) }
        defer { mongoc_client_destroy(client) }
        let coll = mongoc_client_get_collection(client, database, collection)
        defer { mongoc_collection_destroy(coll) }
        let filter = bson_new()
        defer { bson_destroy(filter) }
        let cursor = mongoc_collection_find_with_opts(coll, filter, nil, nil)
        defer { mongoc_cursor_destroy(cursor) }
        var out: [[UInt8]] = []
        var doc: OpaquePointer?
        while mongoc_cursor_next(cursor, &doc) {
            let raw = UnsafeRawPointer(doc!)
            let length = Int(raw.load(fromByteOffset: 4, as: UInt32.self))
            out.append(Array(UnsafeRawBufferPointer(start: bson_get_data(doc), count: length)))
        }
        if mongoc_cursor_error(cursor, &error) {
            throw NSError(domain: "probe", code: Int(error.code), userInfo: [NSLocalizedDescriptionKey: "find failed"])
        }
        return out
    }

    func count() throws -> Int { try documents().count }
}
