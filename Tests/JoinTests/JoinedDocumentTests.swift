import JoinPlugin
import SluiceSDK
import XCTest

final class JoinedDocumentTests: XCTestCase {
    private func doc(_ build: (inout BSONWriter) -> Void) -> [UInt8] {
        var w = BSONWriter()
        build(&w)
        return w.finish()
    }

    private func json(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { JSONWriter.string(BSONDocument($0)) } }

    let order: [UInt8] = {
        var w = BSONWriter()
        w.append("order_id", string: "O-1")
        w.append("amount", double: 12.5)
        return w.finish()
    }()

    let payment: [UInt8] = {
        var w = BSONWriter()
        w.append("order_id", string: "O-1")
        w.append("payment_id", string: "P-9")
        return w.finish()
    }()

    func testNestedWithNullForTheMissingSide() {
        var d = JoinedDocument(shape: .nested, names: ("order", "payment"), prefixes: ("", ""))
        XCTAssertEqual(json(d.make(left: order, right: payment)),
                       #"{"order":{"order_id":"O-1","amount":12.5},"payment":{"order_id":"O-1","payment_id":"P-9"}}"#)
        XCTAssertEqual(json(d.make(left: order, right: nil)), #"{"order":{"order_id":"O-1","amount":12.5},"payment":null}"#)
        XCTAssertEqual(json(d.make(left: nil, right: payment)), #"{"order":null,"payment":{"order_id":"O-1","payment_id":"P-9"}}"#)
    }

    func testFlatPrefixesAndTheLeftWinsACollision() {
        var prefixed = JoinedDocument(shape: .flat, names: ("l", "r"), prefixes: ("o_", "p_"))
        XCTAssertEqual(json(prefixed.make(left: order, right: payment)),
                       #"{"o_order_id":"O-1","o_amount":12.5,"p_order_id":"O-1","p_payment_id":"P-9"}"#)
        var bare = JoinedDocument(shape: .flat, names: ("l", "r"), prefixes: ("", ""))
        XCTAssertEqual(json(bare.make(left: order, right: payment)), #"{"order_id":"O-1","amount":12.5,"payment_id":"P-9"}"#)
        XCTAssertEqual(json(bare.make(left: nil, right: payment)), #"{"order_id":"O-1","payment_id":"P-9"}"#)
    }
}
