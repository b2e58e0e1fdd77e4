import JoinPlugin
import SluiceSDK
import XCTest

final class KeyFieldsTests: XCTestCase {
    private func key(_ paths: [String], _ build: (inout BSONWriter) -> Void) -> Result<JoinKey, KeyFields.KeyFailure> {
        var w = BSONWriter()
        build(&w)
        let bytes = w.finish()
        return bytes.withUnsafeBytes { KeyFields(paths).key(in: BSONDocument($0)) }
    }

    func testIntegersCompareByValueWhateverTheirWidth() throws {
        let a = try key(["id"]) { $0.append("id", int32: 7) }.get()
        let b = try key(["id"]) { $0.append("id", int64: 7) }.get()
        let c = try key(["id"]) { $0.append("id", double: 7) }.get()
        XCTAssertEqual(a, b)
        XCTAssertEqual(b, c)
        XCTAssertEqual(a, JoinKey(7))
        XCTAssertNotEqual(try key(["id"]) { $0.append("id", double: 7.5) }.get(), a)
        XCTAssertNotEqual(try key(["id"]) { $0.append("id", string: "7") }.get(), a, "a string never equals a number")
    }

    func testStringKeyAndNestedPath() throws {
        XCTAssertEqual(try key(["order_id"]) { $0.append("order_id", string: "O-00001") }.get(), JoinKey("O-00001"))
        let nested = try key(["order.id"]) { w in w.appendDocument("order") { $0.append("id", string: "O-00001") } }.get()
        XCTAssertEqual(nested, JoinKey("O-00001"))
    }

    func testCompositeKeysMatchOnlyWhenEveryPartDoes() throws {
        let ab = try key(["a", "b"]) { $0.append("a", string: "x"); $0.append("b", int32: 1) }.get()
        let abAgain = try key(["a", "b"]) { $0.append("b", int64: 1); $0.append("a", string: "x") }.get()
        let other = try key(["a", "b"]) { $0.append("a", string: "x"); $0.append("b", int32: 2) }.get()
        XCTAssertEqual(ab, abAgain, "field order in the document does not matter")
        XCTAssertNotEqual(ab, other)
        // Length prefixes keep parts apart: ("ab", "c") is not ("a", "bc").
        let split1 = try key(["a", "b"]) { $0.append("a", string: "ab"); $0.append("b", string: "c") }.get()
        let split2 = try key(["a", "b"]) { $0.append("a", string: "a"); $0.append("b", string: "bc") }.get()
        XCTAssertNotEqual(split1, split2)
    }

    func testMissingOrNullKeySaysWhich() {
        guard case let .failure(missing) = key(["a", "b"], { $0.append("a", string: "x") }) else { return XCTFail() }
        XCTAssertEqual(missing.reason, #"join: no key field "b""#)
        guard case let .failure(null) = key(["a"], { $0.appendNull("a") }) else { return XCTFail() }
        XCTAssertEqual(null.reason, #"join: key field "a" is null"#)
    }
}
