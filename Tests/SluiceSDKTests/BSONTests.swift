import SluiceSDK
import XCTest

final class BSONTests: XCTestCase {
    func testWriterProducesSpecBytes() {
        // {"hello": "world"} from bsonspec.org's example.
        var w = BSONWriter()
        w.append("hello", string: "world")
        XCTAssertEqual(w.finish(), [0x16, 0, 0, 0, 0x02, 0x68, 0x65, 0x6C, 0x6C, 0x6F, 0, 0x06, 0, 0, 0,
                                    0x77, 0x6F, 0x72, 0x6C, 0x64, 0, 0])
    }

    func testRoundTripOfEveryWrittenType() {
        var w = BSONWriter()
        w.append("d", double: 2.5)
        w.append("s", string: "héllo")
        w.append("i", int32: -7)
        w.append("l", int64: 1 << 40)
        w.append("b", bool: true)
        w.append("t", datetime: 1_377_849_600_000)
        w.appendNull("n")
        w.append("o", objectId: Array(0 ..< 12))
        w.append("bin", binary: [1, 2, 3], subtype: 0)
        w.appendDocument("sub") { $0.append("x", int32: 1) }
        w.appendArray("arr") { a in
            a.append("", int32: 10)
            a.append("", string: "y")
        }
        let bytes = w.finish()
        bytes.withUnsafeBytes { raw in
            XCTAssertTrue(BSONDocument.isWellFormed(raw))
            let doc = BSONDocument(raw)
            XCTAssertEqual(doc["d"]?.double, 2.5)
            XCTAssertEqual(doc["s"]?.string, "héllo")
            XCTAssertEqual(doc["i"]?.int32, -7)
            XCTAssertEqual(doc["l"]?.int64, 1 << 40)
            XCTAssertEqual(doc["b"]?.bool, true)
            XCTAssertEqual(doc["t"]?.datetime, 1_377_849_600_000)
            XCTAssertEqual(doc["n"]?.type, .null)
            XCTAssertEqual(doc["o"].map { Array($0.objectIdBytes!) }, Array(0 ..< 12))
            XCTAssertEqual(doc["bin"].map { Array($0.binary!.data) }, [1, 2, 3])
            XCTAssertEqual(doc.element(path: "sub.x")?.int32, 1)
            XCTAssertEqual(doc.element(path: "arr.1")?.string, "y")
            XCTAssertEqual(doc["arr"]?.document?.elements.map(\.key), ["0", "1"])
            XCTAssertNil(doc["missing"])
        }
    }

    /// `element(path:)` walks the path's UTF-8 bytes part by part: empty
    /// parts are keys too (as a split keeping them gives), a non-ASCII key
    /// matches its bytes, and a part past a scalar finds nothing.
    func testDottedPathsAreFollowedPartByPart() {
        var w = BSONWriter()
        w.appendDocument("sub") { d in
            d.append("prix €", int32: 3)
            d.append("", string: "empty key")
            d.appendDocument("deep") { $0.append("x", int32: 9) }
        }
        w.append("", int32: 1)
        w.append("top", int32: 2)
        let bytes = w.finish()
        bytes.withUnsafeBytes { raw in
            let doc = BSONDocument(raw)
            XCTAssertEqual(doc.element(path: "sub.prix €")?.int32, 3)
            XCTAssertEqual(doc.element(path: "sub.deep.x")?.int32, 9)
            XCTAssertEqual(doc.element(path: "sub.")?.string, "empty key", "a trailing dot: the empty key")
            XCTAssertEqual(doc.element(path: "")?.int32, 1, "the empty path: the empty key")
            XCTAssertEqual(doc.element(path: "top")?.int32, 2)
            XCTAssertNil(doc.element(path: "top.x"), "past a scalar")
            XCTAssertNil(doc.element(path: "sub..x"), "an empty part in the middle is a key of its own")
            XCTAssertNil(doc.element(path: "sub.deep.x.y"))
            XCTAssertNil(doc.element(path: "su"), "a prefix of a key is not the key")
            XCTAssertNil(doc.element(path: "sub.deepx"))
        }
    }

    func testMalformedDocumentsAreRejected() {
        var w = BSONWriter()
        w.append("s", string: "abc")
        let good = w.finish()
        var badLength = good
        badLength[0] = 99
        var noTerminator = good
        noTerminator[noTerminator.count - 1] = 1
        var badType = good
        badType[4] = 0x42
        var stringOverrun = good
        stringOverrun[7] = 0x7F
        for (name, bytes) in [("length", badLength), ("terminator", noTerminator), ("type", badType), ("string", stringOverrun), ("short", [UInt8](good.prefix(4)))] {
            bytes.withUnsafeBytes { XCTAssertFalse(BSONDocument.isWellFormed($0), name) }
        }
        good.withUnsafeBytes { XCTAssertTrue(BSONDocument.isWellFormed($0)) }
    }

    func testJSONToBSONAndBackKeepsTypes() throws {
        let text = #"{"a":1,"big":5000000000,"f":1.5,"s":"x\"y","n":null,"t":true,"arr":[1,"two"],"o":{"k":"v"},"when":{"$date":"2013-08-30T08:00:00.000Z"},"id":{"$oid":"000102030405060708090a0b"}}"#
        let bytes = try BSONFromJSON.document(JSONParser.parse(text))
        bytes.withUnsafeBytes { raw in
            let doc = BSONDocument(raw)
            XCTAssertEqual(doc["a"]?.type, .int32)
            XCTAssertEqual(doc["big"]?.type, .int64)
            XCTAssertEqual(doc["when"]?.datetime, 1_377_849_600_000)
            XCTAssertEqual(doc["id"]?.type, .objectId)
            XCTAssertEqual(JSONWriter.string(doc), text)
        }
    }
}

final class TranscoderTests: XCTestCase {
    /// The direct transcoder must produce the same bytes as parse-then-convert.
    func testTranscoderMatchesTheValuePath() throws {
        let inputs = [
            #"{}"#,
            #"{"a":1,"b":-2.5,"c":"x","d":true,"e":false,"f":null}"#,
            #" { "big" : 9000000000 , "neg" : -2147483649, "small": 2147483647 } "#,
            #"{"esc":"tab\t quote\" slash\/ \u00e9 \ud83d\ude00","k\"ey":1}"#,
            #"{"nested":{"arr":[1,[2,{"x":"y"}],[]],"empty":{}}}"#,
            #"{"when":{"$date":"2013-08-30T08:00:00.000Z"},"id":{"$oid":"000102030405060708090a0b"},"n":{"$numberLong":"5"}}"#,
            #"{"exp":1e3,"frac":0.1}"#,
        ]
        for text in inputs {
            let expected = try BSONFromJSON.document(JSONParser.parse(text))
            var w = BSONWriter()
            try text.utf8CString.withUnsafeBytes { raw in
                try BSONFromJSON.transcode(json: UnsafeRawBufferPointer(rebasing: raw.dropLast()), into: &w)
            }
            XCTAssertEqual(w.finish(), expected, text)
        }
    }

    func testTranscoderRejectsWhatTheParserRejects() {
        for bad in ["[1]", "{\"a\":}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1} x", "\"s\"", "{\"a\":tru}"] {
            var w = BSONWriter()
            XCTAssertThrowsError(try bad.utf8CString.withUnsafeBytes { raw in
                try BSONFromJSON.transcode(json: UnsafeRawBufferPointer(rebasing: raw.dropLast()), into: &w)
            }, bad)
        }
    }
}
