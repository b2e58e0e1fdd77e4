import SluiceSchema
import SluiceSDK
import XCTest

/// The unevaluated vocabulary (2020-12 section 11) and the applicators whose
/// annotations it reads, plus dependentSchemas, prefixItems and contains.
final class UnevaluatedTests: SchemaTestCase {
    func testUnevaluatedPropertiesSeesOnlyThisSchemasProperties() {
        // The case: "bar" is evaluated by nothing.
        check(["properties": ["foo": ["type": "string"]], "unevaluatedProperties": false],
              valid: [["foo": "foo"]], invalid: [["foo": "foo", "bar": "bar"]], keyword: "unevaluatedProperties")
        check(["patternProperties": ["^x-": true], "unevaluatedProperties": ["type": "integer"]],
              valid: [["x-a": "s", "n": 1]], invalid: [["n": "s"]], keyword: "type")
        // additionalProperties evaluates everything properties did not.
        check(["additionalProperties": true, "unevaluatedProperties": false], valid: [["a": 1]], invalid: [], keyword: nil)
    }

    func testAnnotationsFlowThroughAllOfAndRef() {
        let schema: JSONValue = ["allOf": [["properties": ["a": true]]], "$ref": "#/$defs/b",
                                 "$defs": ["b": ["properties": ["b": true]]], "unevaluatedProperties": false]
        check(schema, valid: [["a": 1, "b": 2]], invalid: [["a": 1, "c": 3]], keyword: "unevaluatedProperties")
    }

    func testOnlyPassingBranchesOfAnyOfAndOneOfCount() {
        let schema: JSONValue = ["anyOf": [["properties": ["a": ["type": "string"]], "required": ["a"]],
                                           ["properties": ["b": ["type": "string"]], "required": ["b"]]],
                                 "unevaluatedProperties": false]
        check(schema, valid: [["a": "x"], ["a": "x", "b": "y"]], invalid: [["a": "x", "b": 1]], keyword: "unevaluatedProperties")
        let one: JSONValue = ["oneOf": [["properties": ["a": true], "required": ["a"]], ["properties": ["b": true], "required": ["b"]]],
                              "unevaluatedProperties": false]
        check(one, valid: [["a": 1]], invalid: [["a": 1, "c": 1]], keyword: "unevaluatedProperties")
        // A failing "not" contributes nothing.
        check(["not": ["not": ["properties": ["a": true]]], "unevaluatedProperties": false], valid: [[:]], invalid: [["a": 1]],
              keyword: "unevaluatedProperties")
    }

    func testIfThenElseAndDependentSchemasContribute() {
        // A failing "if" contributes nothing, so "kind" is declared outside it too.
        let schema: JSONValue = ["properties": ["kind": true], "if": ["properties": ["kind": ["const": "car"]], "required": ["kind"]],
                                 "then": ["properties": ["wheels": true]], "else": ["properties": ["wings": true]],
                                 "unevaluatedProperties": false]
        check(schema, valid: [["kind": "car", "wheels": 4], ["kind": "plane", "wings": 2]],
              invalid: [["kind": "car", "wings": 2], ["kind": "plane", "wheels": 4]], keyword: "unevaluatedProperties")
        check(["if": ["properties": ["kind": ["const": "car"]], "required": ["kind"]], "unevaluatedProperties": false],
              valid: [["kind": "car"]], invalid: [["kind": "plane"]], keyword: "unevaluatedProperties")
        let dependent: JSONValue = ["properties": ["card": true], "dependentSchemas": ["card": ["properties": ["cvc": true]]],
                                    "unevaluatedProperties": false]
        check(dependent, valid: [["card": 1, "cvc": 2]], invalid: [["cvc": 2]], keyword: "unevaluatedProperties")
    }

    func testNestedUnevaluatedPropertiesEvaluatesEverythingForItsParent() {
        check(["allOf": [["unevaluatedProperties": true]], "unevaluatedProperties": false], valid: [["anything": 1]], invalid: [], keyword: nil)
    }

    func testUnevaluatedItems() {
        check(["prefixItems": [["type": "string"]], "unevaluatedItems": false], valid: [["a"]], invalid: [["a", 1]], keyword: "unevaluatedItems")
        check(["allOf": [["prefixItems": [true, true]]], "unevaluatedItems": ["type": "string"]],
              valid: [[1, 2, "s"]], invalid: [[1, 2, 3]], keyword: "type")
        // contains evaluates the items it matched.
        check(["contains": ["type": "integer"], "unevaluatedItems": ["type": "string"]],
              valid: [[1, "a", 2]], invalid: [[1, true]], keyword: "type")
        check(["items": true, "unevaluatedItems": false], valid: [[1, 2]], invalid: [], keyword: nil)
    }

    func testDependentSchemas() {
        check(["dependentSchemas": ["card": ["required": ["billing"]]]], valid: [["card": 1, "billing": 2], ["x": 1]],
              invalid: [["card": 1]], keyword: "required")
    }

    func testPrefixItemsItemsAndContainsBounds() {
        check(["prefixItems": [["type": "integer"], ["type": "string"]], "items": ["type": "boolean"]],
              valid: [[1, "a", true, false], [1]], invalid: [[1, "a", 3]], keyword: "type")
        check(["contains": ["const": 1], "minContains": 2, "maxContains": 3], valid: [[1, 1], [1, 1, 1, 2]],
              invalid: [[1, 2]], keyword: "contains")
        check(["contains": ["const": 1], "maxContains": 1], valid: [[1, 2]], invalid: [[1, 1]], keyword: "maxContains")
        // minContains 0 makes contains always pass (validation 6.4.5).
        check(["contains": ["const": 1], "minContains": 0], valid: [[], [2]], invalid: [], keyword: nil)
        // contains ignores non-arrays.
        check(["contains": false], valid: [["a": 1], "s"], invalid: [[1]], keyword: "contains")
    }

    func testPropertyNamesAndDependentRequired() {
        check(["propertyNames": ["maxLength": 3]], valid: [["abc": 1]], invalid: [["abcd": 1]], keyword: "propertyNames")
        check(["propertyNames": false], valid: [[:]], invalid: [["a": 1]], keyword: "propertyNames")
        check(["dependentRequired": ["a": ["b", "c"]]], valid: [["a": 1, "b": 1, "c": 1], [:]], invalid: [["a": 1, "b": 1]],
              keyword: "dependentRequired")
    }
}
