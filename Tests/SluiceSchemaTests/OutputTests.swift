import SluiceSchema
import SluiceSDK
import XCTest

/// The "basic" output format (core section 12.4): every failing instance
/// location with the keyword's location in the schema, capped on request.
final class OutputTests: SchemaTestCase {
    private let schema: JSONValue = [
        "properties": [
            "a": ["type": "integer"],
            "b/c": ["items": ["maximum": 3]],
        ],
        "required": ["z"],
    ]

    private func bson(_ v: JSONValue) -> [UInt8] { try! BSONFromJSON.document(v) }

    func testEveryFailureHasInstanceAndSchemaLocations() throws {
        let f = try JSONSchema(schema).validate(["a": "x", "b/c": [1, 5, 9]])
        XCTAssertEqual(f.map(\.path), ["/a", "/b~1c/1", "/b~1c/2", ""])
        XCTAssertEqual(f.map(\.schemaPath), ["/properties/a/type", "/properties/b~1c/items/maximum", "/properties/b~1c/items/maximum", "/required"])
        XCTAssertEqual(f.map(\.keyword), ["type", "maximum", "maximum", "required"])
    }

    func testTheCapStopsTheList() throws {
        let validator = SchemaValidator(try JSONSchema(schema))
        let doc = bson(["a": "x", "b/c": [1, 5, 9]])
        doc.withUnsafeBytes {
            XCTAssertEqual(validator.validate(BSONDocument($0), limit: 2).count, 2)
            XCTAssertEqual(validator.validate(BSONDocument($0), limit: 1).map(\.path), ["/a"])
            XCTAssertFalse(validator.isValid(BSONDocument($0)))
        }
        // The validator is reused: nothing leaks from one record into the next.
        bson(["a": 1, "z": 0]).withUnsafeBytes {
            XCTAssertEqual(validator.validate(BSONDocument($0)), [])
            XCTAssertTrue(validator.isValid(BSONDocument($0)))
        }
    }

    func testAFalseSchemaIsItsOwnLocation() throws {
        let f = try JSONSchema(["properties": ["x": false]]).validate(["x": 1])
        XCTAssertEqual(f.map(\.schemaPath), ["/properties/x"])
        XCTAssertEqual(f.map(\.keyword), ["false"])
    }

    func testRefsReportTheTargetsLocation() throws {
        let f = try JSONSchema(["$defs": ["pos": ["minimum": 0]], "properties": ["n": ["$ref": "#/$defs/pos"]]]).validate(["n": -1])
        XCTAssertEqual(f.map(\.schemaPath), ["/$defs/pos/minimum"])
        XCTAssertEqual(f.map(\.path), ["/n"])
    }

    /// Core 12.4.2: the basic output lists the errors under a failed
    /// applicator; for anyOf and oneOf, each branch's own failures.
    func testAnyOfListsEveryBranchsFailures() throws {
        let f = try JSONSchema(["properties": ["v": ["anyOf": [["type": "string"], ["minimum": 10, "multipleOf": 3]]]]]).validate(["v": 5])
        XCTAssertEqual(f.map(\.keyword), ["anyOf", "type", "minimum", "multipleOf"])
        XCTAssertEqual(f.map(\.schemaPath), ["/properties/v/anyOf", "/properties/v/anyOf/0/type", "/properties/v/anyOf/1/minimum",
                                            "/properties/v/anyOf/1/multipleOf"])
        XCTAssertEqual(Set(f.map(\.path)), ["/v"])
    }

    func testOneOfListsBranchesWhenNoneMatches() throws {
        let schema = try JSONSchema(["oneOf": [["required": ["a"]], ["properties": ["b": ["$ref": "#/$defs/small"]]]],
                                     "$defs": ["small": ["maximum": 1]]])
        let none = schema.validate(["b": 2])
        XCTAssertEqual(none.map(\.keyword), ["oneOf", "required", "maximum"])
        XCTAssertEqual(none.map(\.schemaPath), ["/oneOf", "/oneOf/0/required", "/$defs/small/maximum"])
        XCTAssertEqual(none.map(\.path), ["", "", "/b"])
        // Two matches: no branch failed, so the one error names the matching branches.
        let two = schema.validate(["a": 1, "b": 0])
        XCTAssertEqual(two.map(\.reason), ["matches more than one (0, 1) of the 2 alternatives, expected exactly one"])
    }

    func testBranchFailuresCountTowardsTheCap() throws {
        let validator = SchemaValidator(try JSONSchema(["anyOf": [["required": ["a"]], ["required": ["b"]], ["required": ["c"]]]]))
        bson(["z": 1]).withUnsafeBytes {
            XCTAssertEqual(validator.validate(BSONDocument($0), limit: 3).map(\.keyword), ["anyOf", "required", "required"])
            XCTAssertEqual(validator.validate(BSONDocument($0)).count, 4)
            XCTAssertFalse(validator.isValid(BSONDocument($0)))
        }
    }

    /// A branch that passes inside a failed oneOf/anyOf reports nothing of its own.
    func testPassingBranchesAddNothing() throws {
        let f = try JSONSchema(["not": ["type": "integer"], "anyOf": [["type": "string"], ["type": "integer"]]]).validate(.int(3))
        XCTAssertEqual(f.map(\.keyword), ["not"])
    }
}
