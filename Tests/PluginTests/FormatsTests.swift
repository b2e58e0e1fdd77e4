import SluiceFormats
import SluiceHTTP
import SluiceSDK
import XCTest

/// The shared record formats and HTTP helpers, without servers.
final class FormatsTests: XCTestCase {
    func decode(_ format: RecordDecoder.Format, _ body: String, text: Config? = nil) throws -> [RecordDecoder.Item] {
        var items: [RecordDecoder.Item] = []
        let decoder = try RecordDecoder(format: format, csv: nil, text: text)
        Array(body.utf8).withUnsafeBytes { bytes in decoder.decode(bytes) { items.append($0) } }
        return items
    }

    func json(_ item: RecordDecoder.Item) -> String {
        guard case let .record(bytes, _) = item else { return "malformed" }
        return bytes.withUnsafeBytes { JSONWriter.string(BSONDocument($0)) }
    }

    func testBodiesDecodeWithTheLineOfEachBadRecord() throws {
        XCTAssertEqual(try decode(.json, #"[{"a":1},{"a":2}]"#).map(json), [#"{"a":1}"#, #"{"a":2}"#])
        XCTAssertEqual(try decode(.json, #"{"a":1}"#).map(json), [#"{"a":1}"#])
        let nd = try decode(.ndjson, "{\"a\":1}\n\n{\"a\":\n{\"a\":3}\r\n")
        XCTAssertEqual(nd.map(json), [#"{"a":1}"#, "malformed", #"{"a":3}"#])
        guard case let .malformed(line, _, reason) = nd[1] else { return XCTFail() }
        XCTAssertEqual(line, 3)
        XCTAssertTrue(reason.hasPrefix("line 3:"), reason)

        let csv = try decode(.csv, "a,b\n1,\"x,\ny\"\n2\n3,z\n")
        XCTAssertEqual(csv.map(json), [#"{"a":1,"b":"x,\ny"}"#, "malformed", #"{"a":3,"b":"z"}"#])
        guard case let .malformed(csvLine, _, _) = csv[1] else { return XCTFail() }
        XCTAssertEqual(csvLine, 4)

        let names = try Config(json: #"{"names": ["t", "v", "beach"]}"#)
        let text = try decode(.text, "2020-02-17T11:12:58.765969 26.04 Montrose_Beach\nonly two\n", text: names)
        XCTAssertEqual(text.map(json), [#"{"t":"2020-02-17T11:12:58.765969","v":"26.04","beach":"Montrose_Beach"}"#, "malformed"])
        let regex = try Config(json: #"{"regex": "^(?<beach>\\S+) (?<v>[0-9.]+)$", "infer_types": true}"#)
        XCTAssertEqual(try decode(.text, "Calumet 3.5\n", text: regex).map(json), [#"{"beach":"Calumet","v":3.5}"#])
        XCTAssertEqual(try decode(.text, "a line\n").map(json), [#"{"RawData":"a line"}"#])
    }

    /// NDJSON lines whose strings are ASCII skip the UTF-8 pass; any other
    /// line is checked first, so its reason is the UTF-8 one wherever the
    /// bad byte is, and a line the transcoder hands over borrowed is the
    /// same document the copying path gives.
    /// Bodies decoded with one `JSONLineMemory` kept across them (a push
    /// connection's) give the documents and reasons they give without it,
    /// whatever their lines' shapes: keys reordered, renamed, added, dropped,
    /// non-ASCII, escaped, malformed.
    func testNDJSONBodiesSharingALineMemoryDecodeAsWithout() throws {
        let decoder = try RecordDecoder(format: .ndjson, csv: nil, text: nil)
        let bodies = [
            "{\"a\":1,\"b\":\"x\",\"t\":{\"$date\":\"2013-08-30T08:00:00Z\"}}\n{\"a\":2,\"b\":\"y\",\"t\":{\"$date\":\"2013-08-30T09:00:00Z\"}}\n",
            "{\"b\":\"x\",\"a\":1}\n{\"a\":1,\"bb\":\"x\"}\n{\"a\":1}\n{\"a\":1,\"b\":\"x\",\"c\":null}\n",
            "{\"\\u0061\":1,\"b\":\"é\"}\n{\"a\":}\n{\"é\":1,\"b\":2}\n{\"a\":1,\"b\":\"x\",\"t\":{\"$date\":\"2014-01-01T00:00:00Z\"}}\n",
        ]
        func decode(_ bodies: [String], memory: JSONLineMemory?) -> [String] {
            var out: [String] = []
            for body in bodies {
                var lines = RecordLines(decoder, memory: memory)
                var splitter = LineSplitter()
                Array(body.utf8).withUnsafeBytes { bytes in
                    try? splitter.feed(bytes) { line, number in
                        lines.feed(line, number: number, record: { doc, _ in out.append(JSONWriter.string(BSONDocument(doc))) }) {
                            if case let .malformed(_, _, reason) = $0 { out.append(reason) }
                        }
                    }
                }
            }
            return out
        }
        let without = decode(bodies, memory: nil)
        XCTAssertEqual(without.count, 10)
        XCTAssertEqual(decode(bodies, memory: JSONLineMemory()), without)
        XCTAssertEqual(decode(bodies.reversed(), memory: JSONLineMemory()), decode(bodies.reversed(), memory: nil))
    }

    func testNDJSONLinesAreCheckedForUTF8OnlyWhenNotASCII() throws {
        let decoder = try RecordDecoder(format: .ndjson, csv: nil, text: nil)
        func lines(_ body: [UInt8]) -> (borrowed: [String], items: [String]) {
            var lines = RecordLines(decoder)
            var borrowed: [String] = [], items: [String] = []
            var splitter = LineSplitter()
            body.withUnsafeBytes { bytes in
                try? splitter.feed(bytes) { line, number in
                    lines.feed(line, number: number, record: { doc, _ in borrowed.append(JSONWriter.string(BSONDocument(doc))) }) {
                        if case let .malformed(_, _, reason) = $0 { items.append(reason) } else { items.append(json($0)) }
                    }
                }
            }
            return (borrowed, items)
        }
        let ascii = lines(Array("{\"a\":\"x\",\"n\":1.5}\n{\"a\":\"é\"}\n".utf8))
        XCTAssertEqual(ascii.borrowed, [#"{"a":"x","n":1.5}"#, #"{"a":"é"}"#])
        XCTAssertEqual(ascii.items, [])
        XCTAssertEqual(try decode(.ndjson, "{\"a\":\"x\",\"n\":1.5}\n{\"a\":\"é\"}\n").map(json), ascii.borrowed)

        let bad = lines(Array("{\"a\":\"".utf8) + [0xFF] + Array("\"}\n{\"a\":".utf8) + [0xFF] + Array("}\n{\"a\":}\n".utf8))
        XCTAssertEqual(bad.borrowed, [])
        XCTAssertEqual(bad.items.count, 3)
        XCTAssertEqual(bad.items[0], "line 1: " + UTF8Gate.reason(byte: 6))
        XCTAssertEqual(bad.items[1], "line 2: " + UTF8Gate.reason(byte: 5))
        XCTAssertTrue(bad.items[2].hasPrefix("line 3: "), bad.items[2])
        XCTAssertFalse(bad.items[2].contains("UTF-8"), bad.items[2])
    }

    /// A BSON key ends at its first NUL: a key holding one cannot be stored,
    /// and the record is refused with the reason (dead-lettered), never
    /// passed on as malformed BSON that the host drops with only a log line.
    func testAKeyWithANULIsAMalformedRecordWithItsReason() throws {
        let nd = try decode(.ndjson, "{\"a\":1}\n{\"a\\u0000b\":2}\n{\"c\":{\"d\\u0000\":3}}\n{\"v\":\"a\\u0000b\"}\n")
        XCTAssertEqual(nd.map(json), [#"{"a":1}"#, "malformed", "malformed", #"{"v":"a\u0000b"}"#], "a NUL in a value is data")
        guard case let .malformed(_, _, reason) = nd[1] else { return XCTFail() }
        XCTAssertTrue(reason.contains("NUL"), reason)
        let array = try decode(.json, #"[{"a":1},{"x\u0000":2}]"#)
        XCTAssertEqual(array.map(json), [#"{"a":1}"#, "malformed"])
        let csv = try decode(.csv, "a,b\u{0}c\n1,2\n")
        XCTAssertEqual(csv.map(json), ["malformed"])
        guard case let .malformed(_, _, csvReason) = csv[0] else { return XCTFail() }
        XCTAssertTrue(csvReason.contains("NUL"), csvReason)
    }

    func testEventTimeFormatsAndZones() throws {
        func millis(_ config: String, _ value: String) throws -> Int64? {
            try EventTime(Config(json: config)).parse(value)
        }
        // Chicago is UTC-5 in August (daylight time) and UTC-6 in January.
        let chicago = #"{"field": "t", "format": "MM/dd/yyyy hh:mm:ss a", "timezone": "America/Chicago"}"#
        XCTAssertEqual(try millis(chicago, "08/30/2013 08:00:00 AM"), ISO8601.parse("2013-08-30T13:00:00Z"))
        XCTAssertEqual(try millis(chicago, "01/15/2014 12:30:00 PM"), ISO8601.parse("2014-01-15T18:30:00Z"))
        XCTAssertEqual(try millis(#"{"field": "t", "timezone": "America/Chicago"}"#, "2020-02-17T11:12:58.765969"),
                       ISO8601.parse("2020-02-17T17:12:58.765Z"))
        XCTAssertEqual(try millis(#"{"field": "t", "timezone": "America/Chicago"}"#, "2020-02-17T11:12:58Z"), ISO8601.parse("2020-02-17T11:12:58Z"))
        XCTAssertEqual(try millis(#"{"field": "t", "timezone": "+05:30"}"#, "2020-02-17T11:00:00"), ISO8601.parse("2020-02-17T05:30:00Z"))
        XCTAssertEqual(try millis(#"{"field": "t", "format": "epoch_s"}"#, "1700000000"), 1_700_000_000_000)
        XCTAssertEqual(try millis(#"{"field": "t", "format": "epoch_ms"}"#, "1700000000123"), 1_700_000_000_123)
        XCTAssertNil(try millis(chicago, "yesterday"))
        XCTAssertThrowsError(try EventTime(Config(json: #"{"field": "t", "timezone": "Mars/Olympus"}"#)))
    }

    /// The field is a top-level key when the record has it, else a dotted path.
    func testEventTimeFieldIsAKeyOrADottedPath() throws {
        func millis(_ field: String, _ json: String) throws -> Int64? {
            let time = try EventTime(Config(json: #"{"field": "\#(field)"}"#))
            return try BSONFromJSON.document(JSONParser.parse(json)).withUnsafeBytes { try? time.millis(in: BSONDocument($0)).get() }
        }
        XCTAssertEqual(try millis("meta.ts", #"{"meta": {"ts": "2020-02-17T11:12:58Z"}}"#), ISO8601.parse("2020-02-17T11:12:58Z"))
        XCTAssertEqual(try millis("meta.ts", #"{"meta.ts": "2021-01-01T00:00:00Z", "meta": {"ts": "2020-02-17T11:12:58Z"}}"#),
                       ISO8601.parse("2021-01-01T00:00:00Z"))
        XCTAssertNil(try millis("meta.ts", #"{"meta": {"t": 1}}"#))
    }

    func testRetryAfterTakesSecondsOrAnHTTPDate() {
        let now = ISO8601.parse("1994-11-06T08:49:30Z")!
        XCTAssertEqual(RetryAfter.delayMillis("120", nowMillis: now), 120_000)
        XCTAssertEqual(RetryAfter.delayMillis("Sun, 06 Nov 1994 08:49:37 GMT", nowMillis: now), 7000)
        XCTAssertEqual(RetryAfter.httpDate(millis: ISO8601.parse("1994-11-06T08:49:37Z")!), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertNil(RetryAfter.delayMillis("soon", nowMillis: now))
    }
}
