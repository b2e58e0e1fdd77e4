import SluiceSchema
import SluiceSDK
import XCTest

/// One schema per class of compile error, each reported at its place.
final class CompileErrorTests: SchemaTestCase {
    private func expect(_ schema: JSONValue, at path: String, _ words: String, options: SchemaOptions = SchemaOptions(),
                        file: StaticString = #filePath, line: UInt = #line) {
        guard let e = compileError(schema, options: options, file: file, line: line) else { return }
        XCTAssertEqual(e.path, path, "\(e)", file: file, line: line)
        XCTAssertTrue(e.reason.contains(words), "\(e.reason) lacks \(words.debugDescription)", file: file, line: line)
    }

    func testEachErrorClass() {
        expect(["properties": ["a": ["type": "integr"]]], at: "/properties/a/type", "unknown type \"integr\"")
        expect(["type": []], at: "/type", "non-empty array")
        expect(["type": 5], at: "/type", "type name")
        expect(5, at: "", "must be an object or a boolean")
        expect(["allOf": [5]], at: "/allOf/0", "must be an object or a boolean")
        expect(["allOf": []], at: "/allOf", "non-empty array")
        expect(["pattern": "(["], at: "/pattern", "invalid regular expression")
        expect(["patternProperties": ["(": true]], at: "/patternProperties", "invalid regular expression")
        expect(["minLength": -1], at: "/minLength", "non-negative integer")
        expect(["maxItems": 1.5], at: "/maxItems", "non-negative integer")
        expect(["minimum": "1"], at: "/minimum", "must be a number")
        expect(["multipleOf": 0], at: "/multipleOf", "greater than 0")
        expect(["required": "a"], at: "/required", "array of strings")
        expect(["enum": 1], at: "/enum", "must be an array")
        expect(["uniqueItems": 1], at: "/uniqueItems", "must be a boolean")
        expect(["properties": []], at: "/properties", "object of schemas")
        expect(["dependentRequired": ["a/b": [1]]], at: "/dependentRequired/a~1b", "array of strings")
        expect(["$ref": 1], at: "/$ref", "must be a string")
        expect(["$ref": "#/$defs/missing"], at: "/$ref", "points nowhere")
        expect(["$ref": "#nope"], at: "/$ref", "no $anchor \"nope\"")
        expect(["$ref": "http://example.com/s.json"], at: "/$ref", "remote")
        expect(["$ref": "#"], at: "", "reference cycle")
        expect(["$id": "http://example.com/s.json#frag"], at: "/$id", "has a fragment")
        expect(["$anchor": "1bad"], at: "/$anchor", "must be a name")
        expect(["format": "nope"], at: "/format", "unknown format", options: SchemaOptions(formatAssertion: true))
        expect(["format": 1], at: "/format", "must be a string")
        expect(["items": [true]], at: "/items", "prefixItems")
    }

    func testErrorDescriptionNamesThePlace() {
        XCTAssertEqual(compileError(["properties": ["a~b/c": ["type": "x"]]])?.description,
                       "invalid schema at /properties/a~0b~1c/type: unknown type \"x\" (null, boolean, object, array, number, integer, string)")
    }
}
