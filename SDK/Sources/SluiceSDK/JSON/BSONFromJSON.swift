/// Converts JSON to BSON.
///
/// Integers that fit in 32 bits become int32, larger ones int64, others
/// double. Relaxed Extended JSON wrappers (`$date`, `$oid`, `$numberLong`)
/// become their BSON types, so `JSONWriter`'s output reads back exactly.
public enum BSONFromJSON {
    /// Encodes a JSON object as a BSON document. Throws if `value` is not an object.
    public static func document(_ value: JSONValue) throws -> [UInt8] {
        guard case let .object(o) = value else {
            throw JSONParseError(offset: 0, reason: "a record must be a JSON object, not \(value.typeName)")
        }
        if let key = firstKeyWithNUL(value) {
            throw JSONParseError(offset: 0, reason: "the key \(key.debugDescription) holds a NUL character, which a BSON key cannot")
        }
        var w = BSONWriter()
        for m in o { append(&w, m.key, m.value) }
        return w.finish()
    }

    /// Why a key with a NUL is refused (the JSON transcoder says the same).
    static let nulKeyReason = "a key holds a NUL character (\\u0000), which a BSON key cannot"

    /// A key at any depth that BSON cannot store (keys are NUL-terminated).
    public static func firstKeyWithNUL(_ value: JSONValue) -> String? {
        switch value {
        case let .object(o):
            for m in o {
                if m.key.utf8.contains(0) { return m.key }
                if let nested = firstKeyWithNUL(m.value) { return nested }
            }
        case let .array(items):
            for item in items { if let nested = firstKeyWithNUL(item) { return nested } }
        default: break
        }
        return nil
    }

    /// Parses one JSON object from text into BSON.
    public static func document(json: UnsafeRawBufferPointer) throws -> [UInt8] {
        try document(JSONParser.parse(json))
    }

    public static func append(_ w: inout BSONWriter, _ key: String, _ value: JSONValue) {
        switch value {
        case .null: w.appendNull(key)
        case let .bool(b): w.append(key, bool: b)
        case let .int(i):
            if let small = Int32(exactly: i) { w.append(key, int32: small) } else { w.append(key, int64: i) }
        case let .double(d): w.append(key, double: d)
        case let .string(s): w.append(key, string: s)
        case let .array(items):
            w.appendArray(key) { w in for item in items { append(&w, "", item) } }
        case let .object(o):
            if o.count == 1, let special = o.members.first, appendExtended(&w, key, special.key, special.value) { return }
            w.appendDocument(key) { w in for m in o { append(&w, m.key, m.value) } }
        }
    }

    private static func appendExtended(_ w: inout BSONWriter, _ key: String, _ tag: String, _ v: JSONValue) -> Bool {
        switch tag {
        case "$date":
            if let s = v.string, let ms = ISO8601.parse(s) { w.append(key, datetime: ms); return true }
            if let ms = v.integer { w.append(key, datetime: ms); return true }
            if let s = v["$numberLong"]?.string, let ms = Int64(s) { w.append(key, datetime: ms); return true }
        case "$oid":
            if let s = v.string, let bytes = hexBytes(s), bytes.count == 12 { w.append(key, objectId: bytes); return true }
        case "$numberLong":
            if let s = v.string, let i = Int64(s) { w.append(key, int64: i); return true }
        default: break
        }
        return false
    }

    private static func hexBytes(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = UInt8(String(decoding: u[i ..< i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(h)
            i += 2
        }
        return out
    }
}

extension BSONElement {
    /// The element as a JSON value (Extended JSON for non-JSON types).
    public var jsonValue: JSONValue {
        switch type {
        case .double: return .double(double!)
        case .int32: return .int(Int64(int32!))
        case .int64: return .int(int64!)
        case .string, .symbol, .javascript: return .string(string!)
        case .bool: return .bool(bool!)
        case .null, .undefined: return .null
        case .array: return .array(document!.elements.map(\.jsonValue))
        case .document: return document!.jsonValue
        default:
            var w = JSONWriter()
            w.write(self)
            return (try? JSONParser.parse(w.bytes)) ?? .null
        }
    }
}

extension BSONDocument {
    /// The document as a JSON object.
    public var jsonValue: JSONValue {
        .object(JSONObject(elements.map { ($0.key, $0.jsonValue) }))
    }
}
