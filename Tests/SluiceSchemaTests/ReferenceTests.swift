import Foundation
import SluiceSchema
import SluiceSDK
import XCTest

/// `$ref`, `$id`, `$anchor`, `$dynamicRef`/`$dynamicAnchor` and JSON Pointer
/// fragments (JSON Schema core, sections 8.2 and 9), and references to files.
final class ReferenceTests: SchemaTestCase {
    func testPointerEscapesTildeAndSlash() {
        // RFC 6901: "~0" is "~", "~1" is "/"; the fragment is also %-decoded.
        let schema: JSONValue = ["$defs": ["tilde~field": ["type": "integer"], "slash/field": ["type": "string"], "percent%field": ["minimum": 5]],
                                 "properties": ["a": ["$ref": "#/$defs/tilde~0field"], "b": ["$ref": "#/$defs/slash~1field"],
                                                "c": ["$ref": "#/$defs/percent%25field"]]]
        check(schema, valid: [["a": 1, "b": "x", "c": 6]], invalid: [["a": "x"], ["b": 1]], keyword: "type")
        check(schema, valid: [], invalid: [["c": 4]], keyword: "minimum")
    }

    func testPointerIntoArraysAndUnknownKeywords() {
        check(["$ref": "#/allOf/1", "allOf": [true, ["maxLength": 2]]], valid: ["ab"], invalid: ["abc"], keyword: "maxLength")
        // A pointer may reach into a keyword Sluice does not know (a place only a reference uses).
        check(["x-library": ["short": ["maxLength": 1]], "$ref": "#/x-library/short"], valid: ["a"], invalid: ["ab"], keyword: "maxLength")
    }

    func testAnchor() {
        let schema: JSONValue = ["$ref": "#positive", "$defs": ["p": ["$anchor": "positive", "exclusiveMinimum": 0]]]
        check(schema, valid: [1], invalid: [0], keyword: "exclusiveMinimum")
    }

    func testEmbeddedResourceChangesTheBase() {
        // The inner "$ref": "#/$defs/x" resolves in the embedded resource, not the root.
        let schema: JSONValue = [
            "$id": "https://example.com/root.json",
            "$defs": [
                "x": ["type": "string"],
                "inner": ["$id": "inner/schema.json", "$ref": "#/$defs/x", "$defs": ["x": ["type": "integer"]]],
            ],
            "properties": ["a": ["$ref": "inner/schema.json"], "b": ["$ref": "https://example.com/inner/schema.json#/$defs/x"],
                           "c": ["$ref": "root.json#/$defs/x"]],
        ]
        check(schema, valid: [["a": 1, "b": 2, "c": "s"]], invalid: [["a": "s"], ["b": "s"], ["c": 1]], keyword: "type")
    }

    func testRelativeIdsResolveAgainstTheEnclosingBase() {
        let schema: JSONValue = [
            "$id": "http://localhost:1234/tree/",
            "properties": ["n": ["$ref": "node.json"]],
            "$defs": ["node": ["$id": "node.json", "$anchor": "node", "type": "object", "properties": ["v": ["$ref": "leaf/../leaf.json"]]],
                      "leaf": ["$id": "leaf.json", "type": "number"]],
        ]
        check(schema, valid: [["n": ["v": 1]]], invalid: [["n": ["v": "x"]], ["n": 3]], keyword: "type")
    }

    func testUnknownAnchorAndPointerPointNowhere() {
        XCTAssertTrue(compileError(["$ref": "#nope"])?.reason.contains("points nowhere") == true)
        XCTAssertTrue(compileError(["$ref": "#/$defs/missing"])?.reason.contains("points nowhere") == true)
        XCTAssertTrue(compileError(["$ref": "#/$defs/bad~2"])?.reason.contains("~ must be followed by 0 or 1") == true)
        XCTAssertTrue(compileError(["$ref": "urn:example:elsewhere"])?.reason.contains("no schema has $id") == true)
    }

    func testRemoteReferencesAreRefused() {
        let e = compileError(["$ref": "https://json-schema.org/draft/2020-12/schema"])
        XCTAssertTrue(e?.reason.contains("never fetches schemas over the network") == true, "\(String(describing: e))")
        XCTAssertEqual(e?.path, "/$ref")
        XCTAssertNotNil(compileError(["$id": "http://example.com/a.json", "$ref": "b.json"]))
    }

    func testSelfReferenceWithoutProgressIsACompileError() {
        let e = compileError(["$ref": "#"])
        XCTAssertTrue(e?.reason.contains("reference cycle") == true, "\(String(describing: e))")
        // a → b → a through allOf, with no keyword that moves into the instance.
        let e2 = compileError(["$defs": ["a": ["allOf": [["$ref": "#/$defs/b"]]], "b": ["anyOf": [["$ref": "#/$defs/a"]]]], "$ref": "#/$defs/a"])
        XCTAssertTrue(e2?.reason.contains("/$defs/a") == true, "\(String(describing: e2))")
        // Recursion through properties or items moves into the instance: allowed.
        check(["properties": ["next": ["$ref": "#"]], "required": ["v"]], valid: [["v": 1, "next": ["v": 2]]],
              invalid: [["v": 1, "next": [:]]], keyword: "required")
    }

    func testDeepInstancesFailInsteadOfOverflowing() {
        var value: JSONValue = 1
        for _ in 0 ..< 300 { value = ["n": value] }
        let f = failures(["properties": ["n": ["$ref": "#"]]], value)
        XCTAssertEqual(f.first?.keyword, "depth")
    }

    func testDynamicRefFollowsTheOutermostAnchor() {
        // A generic list whose items are redefined by the schema that uses it (core 8.2.3.2).
        let schema: JSONValue = [
            "$id": "https://example.com/strings",
            "$ref": "list",
            "$defs": [
                "items": ["$dynamicAnchor": "items", "type": "string"],
                "list": ["$id": "list", "type": "array", "items": ["$dynamicRef": "#items"],
                         "$defs": ["items": ["$dynamicAnchor": "items"]]],
            ],
        ]
        check(schema, valid: [["a", "b"]], invalid: [["a", 1]], keyword: "type")
        // Used on its own, the list's own (empty) anchor applies: anything goes.
        let alone: JSONValue = ["$id": "https://example.com/any", "$ref": "list",
                                "$defs": ["list": ["$id": "list", "type": "array", "items": ["$dynamicRef": "#items"],
                                                   "$defs": ["items": ["$dynamicAnchor": "items"]]]]]
        check(alone, valid: [["a", 1]], invalid: [], keyword: nil)
    }

    func testDynamicRefWithoutBookendActsAsRef() {
        // The initial target has no $dynamicAnchor "items": the reference is static.
        let schema: JSONValue = [
            "$id": "https://example.com/root",
            "$dynamicAnchor": "items", "type": "object",
            "properties": ["x": ["$ref": "inner"]],
            "$defs": ["inner": ["$id": "inner", "items": ["$dynamicRef": "#items"], "$defs": ["i": ["$anchor": "items", "type": "integer"]]]],
        ]
        check(schema, valid: [["x": [1, 2]]], invalid: [["x": ["s"]]], keyword: "type")
    }

    func testReferencesToFilesResolveFromTheSchemaFile() throws {
        let dir = NSTemporaryDirectory() + "sluice-schema-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/common", withIntermediateDirectories: true)
        try #"{"$defs": {"id": {"type": "integer", "minimum": 1}}}"#.write(toFile: dir + "/common/types.json", atomically: true, encoding: .utf8)
        try #"{"properties": {"id": {"$ref": "common/types.json#/$defs/id"}}}"#.write(toFile: dir + "/main.json", atomically: true, encoding: .utf8)
        let text = try String(contentsOfFile: dir + "/main.json", encoding: .utf8)
        let fromFile = try JSONSchema(json: text, options: SchemaOptions(file: dir + "/main.json"))
        XCTAssertEqual(fromFile.validate(["id": 0]).map(\.keyword), ["minimum"])
        XCTAssertEqual(fromFile.validate(["id": 3]), [])
        XCTAssertTrue(fromFile.validate(["id": 0]).first?.schemaPath.hasSuffix("common/types.json#/$defs/id/minimum") == true)
        // An inline schema resolves from schema_dir.
        let inline = try JSONSchema(["$ref": "common/types.json#/$defs/id"], options: SchemaOptions(directory: dir))
        XCTAssertEqual(inline.validate(.int(0)).map(\.keyword), ["minimum"])
        let missing = compileError(["$ref": "nope.json"], options: SchemaOptions(directory: dir))
        XCTAssertTrue(missing?.reason.contains("cannot read \(dir)/nope.json") == true, "\(String(describing: missing))")
    }

    func testDraft7ItemsArrayDefinitionsAndDependencies() {
        let draft7: JSONValue = [
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": ["s": ["type": "string"]],
            "properties": [
                "t": ["items": [["$ref": "#/definitions/s"], ["type": "integer"]], "additionalItems": false],
                // Draft 7 ignores keywords beside $ref.
                "r": ["$ref": "#/definitions/s", "maxLength": 1],
            ],
            "dependencies": ["a": ["b"], "c": ["required": ["d"]]],
        ]
        check(draft7, valid: [["t": ["x", 1]], ["r": "long"], ["a": 1, "b": 2], ["c": 1, "d": 2]],
              invalid: [["t": ["x", 1, 2]]], keyword: "false")
        check(draft7, valid: [], invalid: [["a": 1]], keyword: "dependentRequired")
        check(draft7, valid: [], invalid: [["c": 1]], keyword: "required")
        // In 2020-12 an array under items is a mistake, reported as such.
        XCTAssertTrue(compileError(["items": [true]])?.reason.contains("prefixItems") == true)
    }

    func testDraft7IdFragmentIsAnAnchor() {
        let schema: JSONValue = ["$schema": "http://json-schema.org/draft-07/schema#",
                                 "definitions": ["pos": ["$id": "#positive", "minimum": 0]], "$ref": "#positive"]
        check(schema, valid: [1], invalid: [-1], keyword: "minimum")
        // In 2020-12 the same $id is an error: a fragment there names nothing.
        XCTAssertTrue(compileError(["$defs": ["pos": ["$id": "#positive"]]])?.reason.contains("has a fragment") == true)
    }

    func testIdInsideEnumIsNoResource() {
        // Only schemas declare resources; a const or enum value that looks like one is data.
        let schema: JSONValue = ["$id": "https://example.com/root", "enum": [["$id": "urn:example:fake", "type": "null"]],
                                 "$defs": ["x": ["$ref": "urn:example:fake"]]]
        XCTAssertTrue(compileError(schema)?.reason.contains("no schema has $id urn:example:fake") == true)
    }
}
