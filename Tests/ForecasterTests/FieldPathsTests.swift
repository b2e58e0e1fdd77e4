import SluiceSDK
import XCTest
@testable import ForecasterPlugin

/// The one-pass field reader against the SDK's own lookup, on the shapes
/// its shortcuts could get wrong: keys near the document's end (too close
/// for the 16-byte compare), keys of 15, 16 and more bytes, paths sharing a
/// first component, nested paths, every value size, duplicates and missing fields.
final class FieldPathsTests: XCTestCase {
    func testReadFindsWhatTheSDKFinds() {
        let long = String(repeating: "k", count: 15)
        var w = BSONWriter(capacity: 256)
        w.append("sensor", string: "sensor-42")
        w.append("flag", bool: true)
        w.append("n32", int32: 7)
        w.append("id", objectId: [UInt8](repeating: 1, count: 12))
        w.appendNull("nothing")
        w.append("blob", binary: [1, 2, 3])
        w.appendDocument("position") { d in
            d.append("lat", double: 41.9)
            d.append("lon", double: -87.6)
        }
        w.appendArray("readings") { a in
            a.append("0", double: 1.5)
            a.append("1", double: 2.5)
        }
        w.append(long, double: 15)
        w.append(long + "k", double: 16)
        w.append(long + "kk", double: 17)
        w.append("time", datetime: 1_700_000_000_000)
        w.append("sensor", string: "duplicate")
        w.append("t", double: 20.5)
        let bytes = w.finish()
        let fields = ["t", "position.lat", "position.lon", "readings.1", "sensor", "time", long, long + "k", long + "kk",
                      "missing", "position.missing", "flag", "nothing", "n32", "tt", ""]
        let paths = FieldPaths(fields)
        var found: [BSONElement?] = []
        bytes.withUnsafeBytes { raw in
            let doc = BSONDocument(raw)
            paths.read(doc, into: &found)
            XCTAssertEqual(found.count, fields.count)
            for (i, field) in fields.enumerated() {
                let expected = doc.element(path: field)
                XCTAssertEqual(found[i]?.type, expected?.type, field)
                XCTAssertEqual(found[i].map { Array($0.valueBytes) }, expected.map { Array($0.valueBytes) }, field)
            }
            XCTAssertEqual(found[0]?.number, 20.5, "the last element, read without the 16-byte compare")
            XCTAssertEqual(found[4]?.string, "sensor-42", "the first of two elements of one name")
            XCTAssertNil(found[9])
        }
    }
}
