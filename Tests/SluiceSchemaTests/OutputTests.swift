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
}
