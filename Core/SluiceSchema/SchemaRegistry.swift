import Foundation
import SluiceSDK

/// The schema documents a compile reads (the root, and files it refers to)
/// and the resources, anchors and dynamic anchors they declare, by absolute URI.
struct SchemaRegistry {
    /// A place in a document: the document's index and an escaped JSON Pointer.
    struct Location: Hashable {
        let document: Int
        let pointer: String

        func appending(_ token: String) -> Location {
            Location(document: document, pointer: pointer + "/" + JSONPointer.escape(token))
        }
    }

    enum Draft { case draft7, draft2020 }

    /// What holds at a location: the base URI for references, the draft, and the resource.
    struct Context {
        let base: URIReference
        let draft: Draft
        let resource: Int
    }

    private(set) var documents: [(uri: URIReference, json: JSONValue)] = []
    private var resources: [String: Location] = [:]
    private var anchors: [String: Location] = [:]
    /// Dynamic anchor name → resource index → location.
    private(set) var dynamicAnchors: [String: [Int: Location]] = [:]
    private var resourceIndex: [String: Int] = [:]

    /// The schema keywords whose value is one schema, an array of them, or an object of them.
    static let single: Set = ["additionalProperties", "propertyNames", "contains", "not", "if", "then", "else",
                              "unevaluatedItems", "unevaluatedProperties", "additionalItems", "items", "contentSchema"]
    static let arrays: Set = ["allOf", "anyOf", "oneOf", "prefixItems", "items"]
    static let maps: Set = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"]

    /// Adds a document and registers what it declares; returns its index.
    mutating func add(_ json: JSONValue, uri: URIReference) throws -> Int {
        let index = documents.count
        documents.append((uri, json))
        let key = uri.withoutFragment.text
        if resources[key] == nil { resources[key] = Location(document: index, pointer: "") }
        _ = resource(key)
        try scan(json, at: Location(document: index, pointer: ""), base: uri.withoutFragment, draft: Self.draft(of: json) ?? .draft2020)
        return index
    }

    func value(at location: Location) -> JSONValue? {
        guard let tokens = JSONPointer.tokens(location.pointer) else { return nil }
        return JSONPointer.resolve(tokens, in: documents[location.document].json)
    }

    /// The base URI, draft and resource in force at `location`: each `$id`
    /// on the way down from the document's root changes them.
    mutating func context(at location: Location) -> Context {
        var json = documents[location.document].json
        var base = documents[location.document].uri.withoutFragment
        var draft = Self.draft(of: json) ?? .draft2020
        var resourceKey = base.text
        func enter(_ value: JSONValue) {
            guard case let .object(o) = value else { return }
            if let d = Self.draft(of: value) { draft = d }
            if let id = o["$id"]?.string, let next = Self.base(of: id, draft: draft, against: base) {
                base = next
                resourceKey = next.text
            }
        }
        enter(json)
        for token in JSONPointer.tokens(location.pointer) ?? [] {
            guard let next = JSONPointer.resolve([token], in: json) else { break }
            json = next
            enter(json)
        }
        return Context(base: base, draft: draft, resource: resource(resourceKey))
    }

    /// The location of an absolute resource URI (no fragment), if registered.
    func resource(uri: String) -> Location? { resources[uri] }

    /// The location of a plain-name fragment in the resource `uri`.
    func anchor(_ name: String, in uri: String) -> Location? { anchors[uri + "#" + name] }

    /// A stable index for a resource URI (the dynamic scope holds these).
    mutating func resource(_ key: String) -> Int {
        if let i = resourceIndex[key] { return i }
        let i = resourceIndex.count
        resourceIndex[key] = i
        return i
    }

    static func draft(of json: JSONValue) -> Draft? {
        guard let s = json["$schema"]?.string else { return nil }
        return s.contains("draft-07") || s.contains("draft-06") || s.contains("draft-04") ? .draft7 : .draft2020
    }

    /// The new base an `$id` sets, or nil when it sets none (a draft 7 `"$id": "#name"` is an anchor).
    static func base(of id: String, draft: Draft, against base: URIReference) -> URIReference? {
        if draft == .draft7, id.hasPrefix("#") { return nil }
        return URIReference(id).resolved(against: base).withoutFragment
    }

    private mutating func scan(_ json: JSONValue, at location: Location, base: URIReference, draft: Draft) throws {
        guard case let .object(o) = json else { return }
        var base = base
        var draft = draft
        if let d = Self.draft(of: json) { draft = d }
        if let idValue = o["$id"] {
            guard let id = idValue.string else { throw SchemaError(path: location.pointer + "/$id", reason: "must be a string") }
            if draft == .draft7, id.hasPrefix("#") {
                anchors[base.text + id] = location
            } else {
                let reference = URIReference(id)
                if let fragment = reference.fragment, !fragment.isEmpty {
                    throw SchemaError(path: location.pointer + "/$id", reason: "\(id.debugDescription) has a fragment; name a place with $anchor")
                }
                base = reference.resolved(against: base).withoutFragment
                if resources[base.text] == nil { resources[base.text] = location }
            }
        }
        if let anchorValue = o["$anchor"] {
            let name = try Self.anchorName(anchorValue, at: location.pointer + "/$anchor")
            anchors[base.text + "#" + name] = location
        }
        if let dynamicValue = o["$dynamicAnchor"] {
            let name = try Self.anchorName(dynamicValue, at: location.pointer + "/$dynamicAnchor")
            if anchors[base.text + "#" + name] == nil { anchors[base.text + "#" + name] = location }
            dynamicAnchors[name, default: [:]][resource(base.text)] = location
        }
        for m in o {
            let here = location.appending(m.key)
            if Self.single.contains(m.key), m.value.array == nil {
                try scan(m.value, at: here, base: base, draft: draft)
            } else if Self.arrays.contains(m.key), let items = m.value.array {
                for (i, item) in items.enumerated() { try scan(item, at: here.appending(String(i)), base: base, draft: draft) }
            } else if Self.maps.contains(m.key), let members = m.value.object {
                for member in members { try scan(member.value, at: here.appending(member.key), base: base, draft: draft) }
            }
        }
    }

    /// `$anchor` names are XML NCName-like: a letter or `_`, then letters, digits, `-`, `_`, `.`.
    static func anchorName(_ value: JSONValue, at path: String) throws -> String {
        guard let name = value.string, let first = name.unicodeScalars.first,
              first.properties.isAlphabetic && first.isASCII || first == "_",
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0" ... "9").contains($0) || "-_.".unicodeScalars.contains($0)) })
        else {
            throw SchemaError(path: path, reason: "must be a name: a letter or _, then letters, digits, -, _ or .")
        }
        return name
    }
}
