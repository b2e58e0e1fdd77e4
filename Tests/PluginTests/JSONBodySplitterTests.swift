@testable import HTTPSensorPlugin
import XCTest

/// The push endpoint's JSON body splitter, without I/O: the same items
/// however the body is cut into chunks, and structure errors at their byte.
final class JSONBodySplitterTests: XCTestCase {
    /// Items (as text) and their offsets, feeding `body` in chunks of `size` bytes.
    private func split(_ body: String, chunk size: Int) throws -> [(String, Int)] {
        var splitter = JSONBodySplitter()
        var out: [(String, Int)] = []
        let bytes = Array(body.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + size)
            try bytes[start ..< end].withUnsafeBytes { chunk in
                try splitter.feed(chunk) { item, number, at in
                    XCTAssertEqual(number, out.count + 1)
                    out.append((String(decoding: item, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), at))
                }
            }
            start = end
        }
        try splitter.finish { item, _, at in out.append((String(decoding: item, as: UTF8.self), at)) }
        XCTAssertEqual(splitter.bufferedBytes, 0, "nothing held once the body ended")
        return out
    }

    func testItemsAreTheSameForEveryChunking() throws {
        let body = #" [ {"a":"x,]}\"[{"} , {"b":[1,{"c":[]}]},{"d":{}} ,"s",3 ] "#
        let expected = [#"{"a":"x,]}\"[{"}"#, #"{"b":[1,{"c":[]}]}"#, #"{"d":{}}"#, #""s""#, "3"]
        for size in 1 ... body.utf8.count {
            let items = try split(body, chunk: size)
            XCTAssertEqual(items.map(\.0), expected, "chunks of \(size)")
            XCTAssertEqual(items.first?.1, 3, "the first item's offset")
        }
        XCTAssertEqual(try split("[]", chunk: 1).count, 0)
        XCTAssertEqual(try split(#"  {"one":1}  "#, chunk: 3).map(\.0), [#"{"one":1}  "#], "a single value is one reading")
    }

    func testStructureErrorsNameTheirByte() {
        for (body, offset, reason) in [("[1,,2]", 3, "expected an item after ,"), ("[,1]", 1, "expected an item after ["),
                                       ("[1] x", 4, "trailing characters after the array"), (#"[{"a":1}"#, 8, "the body ends inside the array (a missing ])")] {
            XCTAssertThrowsError(try split(body, chunk: 2), body) { error in
                XCTAssertEqual(error as? JSONBodySplitter.SyntaxError, JSONBodySplitter.SyntaxError(offset: offset, reason: reason), body)
            }
        }
    }
}
