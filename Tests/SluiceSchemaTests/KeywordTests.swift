import SluiceSchema
import SluiceSDK
import XCTest

/// Each supported keyword with a valid and an invalid instance.
final class KeywordTests: SchemaTestCase {
    func testType() {
        check(prop(["type": "integer"]), valid: [obj(1), obj(2.0)], invalid: [obj(1.5), obj("1")], keyword: "type")
        check(prop(["type": ["string", "null"]]), valid: [obj("a"), obj(nil)], invalid: [obj(1)], keyword: "type")
        check(prop(["type": "number"]), valid: [obj(1), obj(1.5)], invalid: [obj(true)], keyword: "type")
        check(prop(["type": "array"]), valid: [obj([1])], invalid: [obj(["a": 1])], keyword: "type")
        check(prop(["type": "object"]), valid: [obj(["a": 1])], invalid: [obj([1])], keyword: "type")
        check(prop(["type": "boolean"]), valid: [obj(false)], invalid: [obj(0)], keyword: "type")
    }

    func testEnumAndConst() {
        check(prop(["enum": ["a", 1, nil]]), valid: [obj("a"), obj(1.0), obj(nil)], invalid: [obj("b")], keyword: "enum")
        check(prop(["const": ["x": [1, 2]]]), valid: [obj(["x": [1, 2]])], invalid: [obj(["x": [2, 1]])], keyword: "const")
    }

    func testNumericBounds() {
        check(prop(["minimum": 0]), valid: [obj(0)], invalid: [obj(-0.1)], keyword: "minimum")
        check(prop(["maximum": 40]), valid: [obj(40)], invalid: [obj(40.5)], keyword: "maximum")
        check(prop(["exclusiveMinimum": 0]), valid: [obj(0.1)], invalid: [obj(0)], keyword: "exclusiveMinimum")
        check(prop(["exclusiveMaximum": 1]), valid: [obj(0.9)], invalid: [obj(1)], keyword: "exclusiveMaximum")
        check(prop(["multipleOf": 0.01]), valid: [obj(26.04), obj(3)], invalid: [obj(26.045)], keyword: "multipleOf")
    }

    func testStringBoundsAndPattern() {
        check(prop(["minLength": 2]), valid: [obj("ab"), obj("é😀")], invalid: [obj("a")], keyword: "minLength")
        check(prop(["maxLength": 2]), valid: [obj("ab")], invalid: [obj("abc")], keyword: "maxLength")
        check(prop(["pattern": "^[A-Z][a-z]+_Beach$"]), valid: [obj("Montrose_Beach")], invalid: [obj("montrose")], keyword: "pattern")
    }

    func testBSONDateIsADateTimeString() throws {
        let schema = try JSONSchema(["properties": ["t": ["type": "string", "format": "date-time"]]],
                                    options: SchemaOptions(formatAssertion: true))
        var w = BSONWriter()
        w.append("t", datetime: 0)
        let bytes = w.finish()
        bytes.withUnsafeBytes { XCTAssertTrue(schema.isValid(BSONDocument($0))) }
    }

    func testObjectKeywords() {
        check(["required": ["a", "b"]], valid: [["a": 1, "b": 2]], invalid: [["a": 1]], keyword: "required")
        check(["properties": ["a": ["type": "string"]], "additionalProperties": false], valid: [["a": "x"]],
              invalid: [["a": "x", "z": 1]], keyword: "additionalProperties")
        check(["additionalProperties": ["type": "integer"]], valid: [["a": 1]], invalid: [["a": "x"]], keyword: "type")
        check(["patternProperties": ["^n_": ["type": "number"]]], valid: [["n_x": 1, "other": "s"]], invalid: [["n_x": "s"]], keyword: "type")
        check(["patternProperties": ["^n_": true], "additionalProperties": false], valid: [["n_x": 1]], invalid: [["x": 1]],
              keyword: "additionalProperties")
        check(["propertyNames": ["pattern": "^[a-z]+$"]], valid: [["abc": 1]], invalid: [["aB": 1]], keyword: "propertyNames")
        check(["minProperties": 1], valid: [["a": 1]], invalid: [[:]], keyword: "minProperties")
        check(["maxProperties": 1], valid: [["a": 1]], invalid: [["a": 1, "b": 2]], keyword: "maxProperties")
        check(["dependentRequired": ["card": ["cvc"]]], valid: [["card": 1, "cvc": 2], ["x": 1]], invalid: [["card": 1]],
              keyword: "dependentRequired")
    }

    func testArrayKeywords() {
        check(prop(["items": ["type": "integer"]]), valid: [obj([1, 2])], invalid: [obj([1, "x"])], keyword: "type")
        check(prop(["prefixItems": [["type": "string"], ["type": "number"]], "items": false]), valid: [obj(["a", 1])],
              invalid: [obj(["a", 1, 2])], keyword: "false")
        check(prop(["prefixItems": [["type": "string"]]]), valid: [obj(["a", 1, true])], invalid: [obj([1])], keyword: "type")
        check(prop(["contains": ["const": 3]]), valid: [obj([1, 3])], invalid: [obj([1, 2])], keyword: "contains")
        check(prop(["contains": ["type": "integer"], "minContains": 2, "maxContains": 3]), valid: [obj([1, 2, "x"])],
              invalid: [obj([1, "x"])], keyword: "contains")
        check(prop(["contains": ["type": "integer"], "maxContains": 1]), valid: [obj([1, "x"])], invalid: [obj([1, 2])], keyword: "maxContains")
        check(prop(["minItems": 1]), valid: [obj([1])], invalid: [obj([])], keyword: "minItems")
        check(prop(["maxItems": 1]), valid: [obj([1])], invalid: [obj([1, 2])], keyword: "maxItems")
        check(prop(["uniqueItems": true]), valid: [obj([1, 2, [1]])], invalid: [obj([1, 1.0]), obj([["a": 1], ["a": 1]])], keyword: "uniqueItems")
    }

    func testCombinators() {
        check(prop(["allOf": [["minimum": 0], ["maximum": 10]]]), valid: [obj(5)], invalid: [obj(11)], keyword: "maximum")
        check(prop(["anyOf": [["type": "string"], ["minimum": 10]]]), valid: [obj("x"), obj(11)], invalid: [obj(5)], keyword: "anyOf")
        // "s" matches {minimum: 2} vacuously (minimum ignores non-numbers), so exactly one branch.
        check(prop(["oneOf": [["type": "integer"], ["minimum": 2]]]), valid: [obj(1), obj(2.5), obj("s")], invalid: [obj(3)], keyword: "oneOf")
        check(prop(["not": ["type": "string"]]), valid: [obj(1)], invalid: [obj("s")], keyword: "not")
        let conditional: JSONValue = prop(["if": ["type": "integer"], "then": ["minimum": 0], "else": ["type": "string"]])
        check(conditional, valid: [obj(1), obj("s")], invalid: [obj(-1)], keyword: "minimum")
        check(conditional, valid: [], invalid: [obj(1.5)], keyword: "type")
    }

    func testRefsAndRecursion() {
        let tree: JSONValue = ["$ref": "#/$defs/node",
                               "$defs": ["node": ["type": "object", "required": ["value"],
                                                  "properties": ["value": ["type": "number"],
                                                                 "children": ["type": "array", "items": ["$ref": "#/$defs/node"]]]]]]
        check(tree, valid: [["value": 1, "children": [["value": 2, "children": [["value": 3]]]]]],
              invalid: [["value": 1, "children": [["value": "x"]]]], keyword: "type")
        let f = failures(tree, ["value": 1, "children": [["value": 2, "children": [["nope": 1]]]]])
        XCTAssertEqual(f.first?.path, "/children/0/children/0")
    }

    func testFailurePathsAndReasonsAreSpecific() {
        let f = failures(["properties": ["WaterTemperature": ["type": "number", "maximum": 40]]], ["WaterTemperature": 55.5])
        XCTAssertEqual(f.map(\.description), ["/WaterTemperature: 55.5 is greater than the maximum 40"])
    }

    func testInvalidSchemasAreRefused() {
        for bad: JSONValue in [["type": "integr"], ["pattern": "(["], ["$ref": "#/$defs/missing"], ["minLength": -1], ["required": "a"], 5] {
            XCTAssertThrowsError(try JSONSchema(bad), JSONWriter.string(bad))
        }
    }
}
