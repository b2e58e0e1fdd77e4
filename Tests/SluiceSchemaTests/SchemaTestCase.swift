import SluiceSchema
import SluiceSDK
import XCTest

/// Helpers every schema test uses: compile, validate a JSON value, and
/// assert valid and invalid instances with the keyword that must fail.
class SchemaTestCase: XCTestCase {
    func compile(_ schema: JSONValue, options: SchemaOptions = SchemaOptions(),
                 file: StaticString = #filePath, line: UInt = #line) -> JSONSchema? {
        do {
            return try JSONSchema(schema, options: options)
        } catch {
            XCTFail("schema did not compile: \(error)", file: file, line: line)
            return nil
        }
    }

    func failures(_ schema: JSONValue, _ instance: JSONValue, options: SchemaOptions = SchemaOptions(),
                  file: StaticString = #filePath, line: UInt = #line) -> [ValidationFailure] {
        compile(schema, options: options, file: file, line: line)?.validate(instance) ?? []
    }

    /// Each of `valid` passes; each of `invalid` fails with a `keyword` failure
    /// (any keyword when nil), and `isValid` agrees on every one.
    func check(_ schema: JSONValue, valid: [JSONValue], invalid: [JSONValue], keyword: String?,
               options: SchemaOptions = SchemaOptions(), file: StaticString = #filePath, line: UInt = #line) {
        guard let compiled = compile(schema, options: options, file: file, line: line) else { return }
        for v in valid {
            XCTAssertEqual(compiled.validate(v), [], "expected valid: \(JSONWriter.string(v))", file: file, line: line)
            XCTAssertTrue(isValid(compiled, v), "isValid disagrees on \(JSONWriter.string(v))", file: file, line: line)
        }
        for v in invalid {
            let f = compiled.validate(v)
            XCTAssertFalse(f.isEmpty, "expected invalid: \(JSONWriter.string(v))", file: file, line: line)
            if let keyword {
                XCTAssertTrue(f.contains { $0.keyword == keyword }, "expected a \(keyword) failure for \(JSONWriter.string(v)), got \(f)",
                              file: file, line: line)
            }
            XCTAssertFalse(isValid(compiled, v), "isValid disagrees on \(JSONWriter.string(v))", file: file, line: line)
        }
    }

    /// `isValid` on a JSON value: objects directly, others wrapped (the
    /// schema is applied to the wrapper's only member through `validate`).
    private func isValid(_ schema: JSONSchema, _ v: JSONValue) -> Bool {
        guard case .object = v, let bytes = try? BSONFromJSON.document(v) else { return schema.validate(v).isEmpty }
        return bytes.withUnsafeBytes { schema.isValid(BSONDocument($0)) }
    }

    /// The compile error's text, or nil (and a test failure) when the schema compiles.
    func compileError(_ schema: JSONValue, options: SchemaOptions = SchemaOptions(),
                      file: StaticString = #filePath, line: UInt = #line) -> SchemaError? {
        do {
            _ = try JSONSchema(schema, options: options)
            XCTFail("compiled, expected an error: \(JSONWriter.string(schema))", file: file, line: line)
            return nil
        } catch let e as SchemaError {
            return e
        } catch {
            XCTFail("not a SchemaError: \(error)", file: file, line: line)
            return nil
        }
    }

    func prop(_ s: JSONValue) -> JSONValue { ["properties": ["v": s]] }
    func obj(_ v: JSONValue) -> JSONValue { ["v": v] }
}
