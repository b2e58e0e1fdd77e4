@testable import SluiceSchema
import SluiceSDK
import XCTest

/// The walk of plain objects (`isValid` with learned keys and quick leaves)
/// against the full walk (`validate`): one validator reused over streams of
/// records whose keys keep or change their order, with names that nearly
/// match known ones, long names, more members than positions learned, and
/// values a quick leaf cannot prove (huge integers, NaN, infinities,
/// integral doubles under `integer`, multibyte strings), and a schema that
/// refers to itself.
final class PlainObjectTests: XCTestCase {
    private typealias Member = (key: String, append: (inout BSONWriter, String) -> Void)

    private let beach: JSONValue = [
        "type": "object",
        "required": ["Beach", "MeasurementID", "WaterTemperature", "Turbidity", "BatteryLife", "TimeStamp"],
        "properties": [
            "Beach": ["type": "string", "minLength": 1],
            "MeasurementID": ["type": "integer", "minimum": 0],
            "WaterTemperature": ["type": "number", "minimum": -5, "maximum": 40],
            "Turbidity": ["type": "number", "minimum": 0],
            "BatteryLife": ["type": "number", "minimum": 0, "maximum": 20],
            "TimeStamp": ["type": "string", "format": "date-time"],
        ],
    ]

    private let closed: JSONValue = [
        "type": "object",
        "required": ["a", "count", "a_property_name_of_thirty_bytes"],
        "minProperties": 3, "maxProperties": 40,
        "properties": [
            "a": ["type": "string", "maxLength": 3],
            "count": ["type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100],
            "ratio": ["type": ["number", "null"], "exclusiveMinimum": -1.5, "maximum": 1.5],
            "a_property_name_of_thirty_bytes": ["minLength": 2],
            "sixteen_bytes_ab": ["enum": [1, "x", nil]],
            "nested": ["type": "object", "required": ["x"], "properties": ["x": ["type": "integer"]], "additionalProperties": false],
            "word": ["type": "string", "pattern": "^[a-z]+$"],
            "yes": true,
            "no": false,
        ],
        "additionalProperties": ["type": ["integer", "string", "boolean"]],
    ]

    /// An object whose `child` is the whole schema again: the inner object's
    /// walk learns members too while the outer one is between members.
    private let recursive: JSONValue = [
        "type": "object",
        "required": ["id"],
        "properties": ["id": ["type": "integer", "minimum": 0], "child": ["$ref": "#"]],
        "additionalProperties": ["type": "string"],
    ]

    /// Plain objects and quick leaves are what the beach schema compiles to.
    func testTheBeachSchemaIsPlainWithQuickLeaves() throws {
        let schema = try JSONSchema(beach)
        let p = schema.program
        XCTAssertTrue(p.ops[schema.root].flags.contains(.plainObject))
        XCTAssertEqual(p.plainObjects, 1)
        let named = p.entries.filter { $0.node >= 0 }
        XCTAssertEqual(named.count, 6)
        // TimeStamp's format is an annotation here, so every leaf is quick.
        XCTAssertTrue(named.allSatisfy { $0.quick >= 0 })
        let closedSchema = try JSONSchema(closed)
        XCTAssertTrue(closedSchema.program.ops[closedSchema.root].flags.contains(.plainObject))
        // The enum and the pattern are not quick: they go to the full check.
        XCTAssertEqual(closedSchema.program.entries.filter { $0.node >= 0 && $0.quick < 0 }.count, 5)
    }

    func testNodesWithOtherKeywordsAreNotPlain() throws {
        for extra: (String, JSONValue) in [("patternProperties", ["^x": true]), ("propertyNames", ["maxLength": 3]),
                                           ("unevaluatedProperties", false), ("allOf", [["required": ["a"]]]),
                                           ("dependentRequired", ["a": ["b"]]), ("const", ["a": 1])] {
            var members: [(key: String, value: JSONValue)] = [("properties", ["a": ["type": "integer"]])]
            members.append(extra)
            let schema = try JSONSchema(.object(JSONObject(members)))
            XCTAssertFalse(schema.program.ops[schema.root].flags.contains(.plainObject), extra.0)
        }
    }

    /// A quick leaf proves only valid values, and proves the ordinary ones.
    func testQuickLeavesProveOnlyValidValues() throws {
        let leaves: [JSONValue] = [
            ["type": "integer", "minimum": 0], ["type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1],
            ["type": "number", "minimum": -5, "maximum": 40], ["type": "string", "minLength": 2, "maxLength": 4],
            ["type": ["string", "integer"]], ["maximum": 9007199254740991], ["exclusiveMaximum": -0.0], [:],
            ["type": "string", "format": "date-time"], ["type": "string", "minLength": 0],
        ]
        let values: [(String, (inout BSONWriter) -> Void)] = [
            ("int32 0", { $0.append("v", int32: 0) }), ("int32 -1", { $0.append("v", int32: -1) }),
            ("int32 max", { $0.append("v", int32: .max) }), ("int64 2^53", { $0.append("v", int64: 1 << 53) }),
            ("int64 2^53+1", { $0.append("v", int64: 1 << 53 + 1) }), ("int64 min", { $0.append("v", int64: .min) }),
            ("0.5", { $0.append("v", double: 0.5) }), ("0.0", { $0.append("v", double: 0) }), ("-0.0", { $0.append("v", double: -0.0) }),
            ("1.0", { $0.append("v", double: 1) }), ("3.0", { $0.append("v", double: 3) }), ("40", { $0.append("v", double: 40) }),
            ("40.000001", { $0.append("v", double: 40.000001) }), ("nan", { $0.append("v", double: .nan) }),
            ("inf", { $0.append("v", double: .infinity) }), ("-inf", { $0.append("v", double: -.infinity) }),
            ("2^53 as double", { $0.append("v", double: 0x1p53) }), ("2^53+2 as double", { $0.append("v", double: 0x1p53 + 2) }),
            ("''", { $0.append("v", string: "") }), ("'a'", { $0.append("v", string: "a") }), ("'ab'", { $0.append("v", string: "ab") }),
            ("'abcd'", { $0.append("v", string: "abcd") }), ("'abcde'", { $0.append("v", string: "abcde") }),
            ("'éé'", { $0.append("v", string: "éé") }), ("'日本'", { $0.append("v", string: "日本") }),
            ("'😀😀😀😀'", { $0.append("v", string: "😀😀😀😀") }), ("true", { $0.append("v", bool: true) }),
            ("null", { $0.appendNull("v") }), ("date", { $0.append("v", datetime: 0) }),
            ("ObjectId", { $0.append("v", objectId: [UInt8](repeating: 7, count: 12)) }),
        ]
        var proved = 0
        for leaf in leaves {
            let schema = try JSONSchema(["properties": ["v": leaf]])
            let entry = try XCTUnwrap(schema.program.entries.first { $0.node >= 0 })
            XCTAssertGreaterThanOrEqual(entry.quick, 0, JSONWriter.string(leaf))
            guard entry.quick >= 0 else { continue }
            let quick = schema.program.quickLeaves[Int(entry.quick)]
            for (name, append) in values {
                var w = BSONWriter()
                append(&w)
                let doc = w.finish()
                let (valid, proves) = doc.withUnsafeBytes { raw -> (Bool, Bool) in
                    var members = Members(raw)
                    let v = members.next()!.value
                    return (schema.validate(BSONDocument(raw)).isEmpty, quick.proof(for: v.type).provenSize(v.value.baseAddress!) != nil)
                }
                if proves {
                    proved += 1
                    XCTAssertTrue(valid, "\(JSONWriter.string(leaf)) proved \(name), which is invalid")
                }
            }
        }
        XCTAssertGreaterThan(proved, 60)
        // Ordinary values are proved in place.
        let beachSchema = try JSONSchema(beach)
        let validator = SchemaValidator(beachSchema)
        for doc in (0 ..< 3).map({ beachRecord($0) }) { XCTAssertTrue(doc.withUnsafeBytes { validator.isValid(BSONDocument($0)) }) }
    }

    private func beachRecord(_ i: Int, raw: Bool = true) -> [UInt8] {
        var w = BSONWriter()
        w.append("Beach", string: ["Montrose Beach", "Ohio Street Beach", "Calumet Beach"][i % 3])
        w.append("TimeStamp", string: "2013-08-30T08:00:00Z")
        w.append("WaterTemperature", double: Double(i % 300) / 10)
        w.append("Turbidity", double: Double(i % 5000) / 100)
        w.append("BatteryLife", double: Double(i % 130) / 10)
        w.append("MeasurementID", int64: Int64(i))
        if raw { w.append("RawData", string: "Montrose Beach,2013-08-30T08:00:00Z,\(i)") }
        return w.finish()
    }

    /// One validator over a stream: the same order mostly, sometimes
    /// changed, dropped, extended or broken; its answer is the full walk's.
    func testAReusedValidatorAgreesWithTheFullWalk() throws {
        for (label, json, seed) in [("beach", beach, UInt64(15)), ("closed", closed, 16), ("recursive", recursive, 17)] {
            let schema = try JSONSchema(json)
            let validator = SchemaValidator(schema)
            var random = SeededRandom(seed: seed)
            var order = pool(label)
            var outcomes = [0, 0]
            for record in 0 ..< 3000 {
                switch random.int(0 ... 9) {
                case 0: order.shuffle(using: &random)
                case 1: if !order.isEmpty { order.remove(at: Int(random.int(0 ... Int64(order.count - 1)))) }
                case 2: order = pool(label)
                case 3: order.insert(member(&random), at: Int(random.int(0 ... Int64(order.count))))
                case 4: order += (0 ..< 30).map { i in ("extra\(i)", { $0.append($1, int32: Int32(i)) }) }
                default: break
                }
                // A fresh value for each member, sometimes out of range or of another type.
                var w = BSONWriter()
                for m in order {
                    if random.int(0 ... 40) == 0 { member(&random).append(&w, m.key) } else { m.append(&w, m.key) }
                }
                let doc = w.finish()
                let (reused, full, again) = doc.withUnsafeBytes { raw in
                    (validator.isValid(BSONDocument(raw)), schema.validate(BSONDocument(raw)).isEmpty,
                     validator.validate(BSONDocument(raw)).isEmpty)
                }
                XCTAssertEqual(reused, full, "\(label) record \(record): \(doc.withUnsafeBytes { JSONWriter.string(BSONDocument($0).jsonValue) })")
                XCTAssertEqual(again, full, "\(label) record \(record): validate after isValid")
                outcomes[full ? 1 : 0] += 1
            }
            // Both answers were exercised.
            XCTAssertGreaterThan(outcomes[0], 100, label)
            XCTAssertGreaterThan(outcomes[1], 100, label)
        }
    }

    /// A member keeps its key and position while its type changes from
    /// record to record: the proof for each type is chosen when the type
    /// comes, and the answer is the full walk's. A member no subschema
    /// checks is valid whatever its type, proved in place or not.
    func testAMemberWhoseTypeChangesIsProvedForEachType() throws {
        let schema = try JSONSchema(beach)
        let validator = SchemaValidator(schema)
        let values: [(name: String, append: (inout BSONWriter, String) -> Void)] = [
            ("21.5", { $0.append($1, double: 21.5) }), ("int32 -6", { $0.append($1, int32: -6) }), ("int32 12", { $0.append($1, int32: 12) }),
            ("'warm'", { $0.append($1, string: "warm") }), ("''", { $0.append($1, string: "") }), ("null", { $0.appendNull($1) }),
            ("41.0", { $0.append($1, double: 41) }), ("int64 2^60", { $0.append($1, int64: 1 << 60) }), ("nan", { $0.append($1, double: .nan) }),
            ("date", { $0.append($1, datetime: 5) }), ("int64 30", { $0.append($1, int64: 30) }), ("true", { $0.append($1, bool: true) }),
            ("{}", { w, k in w.appendDocument(k) { $0.append("x", int32: 1) } }),
        ]
        let names = ["Beach", "TimeStamp", "WaterTemperature", "Turbidity", "BatteryLife", "MeasurementID", "RawData"]
        var outcomes = [0, 0]
        for round in 0 ..< 3 {
            for changed in ["WaterTemperature", "Beach", "MeasurementID", "TimeStamp", "RawData"] {
                for value in values {
                    var w = BSONWriter()
                    for name in names {
                        if name == changed { value.append(&w, name); continue }
                        pool("beach").first { $0.key == name }!.append(&w, name)
                    }
                    let doc = w.finish()
                    let (reused, full) = doc.withUnsafeBytes { (validator.isValid(BSONDocument($0)), schema.validate(BSONDocument($0)).isEmpty) }
                    XCTAssertEqual(reused, full, "round \(round): \(changed) = \(value.name)")
                    if changed == "RawData" { XCTAssertTrue(reused, "RawData = \(value.name): no subschema checks it") }
                    outcomes[full ? 1 : 0] += 1
                }
            }
        }
        XCTAssertGreaterThan(outcomes[0], 30)
        XCTAssertGreaterThan(outcomes[1], 30)
    }

    /// The leaf without keywords (a member no subschema checks) proves the
    /// types it knows whatever they hold, except what it cannot bound.
    func testTheLeafWithoutKeywordsProvesOrdinaryValues() {
        let leaf = QuickLeaf()
        let values: [(UInt8, [UInt8], Int?)] = [
            (0x01, withUnsafeBytes(of: (-1e300).bitPattern.littleEndian, Array.init), 8),
            (0x01, withUnsafeBytes(of: Double.nan.bitPattern.littleEndian, Array.init), nil),
            (0x10, withUnsafeBytes(of: Int32.min.littleEndian, Array.init), 4),
            (0x12, withUnsafeBytes(of: (Int64(1) << 53 - 1).littleEndian, Array.init), 8),
            (0x12, withUnsafeBytes(of: (Int64(1) << 53).littleEndian, Array.init), nil),
            (0x02, [1, 0, 0, 0, 0], 5), (0x02, [4, 0, 0, 0, 0x61, 0x62, 0x63, 0], 8),
            (0x09, [UInt8](repeating: 0, count: 8), 8), (0x07, [UInt8](repeating: 0, count: 12), 12),
            (0x08, [1], nil), (0x0A, [], nil), (0x03, [5, 0, 0, 0, 0], nil),
        ]
        for (type, bytes, size) in values {
            let proved = (bytes + [0, 0, 0, 0, 0, 0, 0, 0]).withUnsafeBytes { leaf.proof(for: type).provenSize($0.baseAddress!) }
            XCTAssertEqual(proved, size, "type \(type), bytes \(bytes)")
        }
    }

    private func pool(_ label: String) -> [Member] {
        if label == "beach" {
            return [("Beach", { $0.append($1, string: "Ohio Street Beach") }), ("TimeStamp", { $0.append($1, datetime: 1_377_849_600_000) }),
                    ("WaterTemperature", { $0.append($1, double: 21.5) }), ("Turbidity", { $0.append($1, double: 1.25) }),
                    ("BatteryLife", { $0.append($1, double: 11.9) }), ("MeasurementID", { $0.append($1, int64: 42) }),
                    ("RawData", { $0.append($1, string: "raw") })]
        }
        if label == "recursive" {
            return [("id", { $0.append($1, int32: 1) }), ("name", { $0.append($1, string: "n") }),
                    ("child", { w, k in
                        w.appendDocument(k) {
                            $0.append("id", int32: 2)
                            $0.appendDocument("child") { $0.append("id", int64: 3); $0.append("name", string: "m") }
                        }
                    }),
                    ("sibling", { $0.append($1, string: "s") })]
        }
        return [("a", { $0.append($1, string: "abc") }), ("count", { $0.append($1, int32: 7) }),
                ("ratio", { $0.append($1, double: 0.25) }), ("a_property_name_of_thirty_bytes", { $0.append($1, string: "xy") }),
                ("sixteen_bytes_ab", { $0.append($1, string: "x") }),
                ("nested", { w, k in w.appendDocument(k) { $0.append("x", int32: 1) } }), ("word", { $0.append($1, string: "abc") }),
                ("yes", { $0.appendNull($1) }), ("other", { $0.append($1, bool: true) })]
    }

    /// A member with a name from a pool of near misses (prefixes and
    /// extensions of known names, long unknown names) and a value of any type.
    private func member(_ random: inout SeededRandom) -> Member {
        let names = ["id", "child", "Beac", "Beach2", "TimeStam", "TimeStampX", "WaterTemperature_", "Turbidit", "no", "nested", "a_property_name_of_thirty_byte",
                     "a_property_name_of_thirty_bytes!", "an_unknown_name_of_more_than_24_bytes", "sixteen_bytes_ac", "", "count", "ratio", "a"]
        let name = random.pick(names)
        let kinds: [(inout BSONWriter, String) -> Void] = [
            { $0.append($1, int32: -3) }, { $0.append($1, int64: 1 << 60) }, { $0.append($1, double: .nan) }, { $0.append($1, double: 3.0) },
            { $0.append($1, double: -1.5) }, { $0.append($1, double: 1e300) }, { $0.append($1, double: .infinity) },
            { $0.append($1, double: -.infinity) }, { $0.append($1, string: "") }, { $0.append($1, string: "日本語の") },
            { $0.appendNull($1) }, { $0.append($1, bool: false) }, { $0.append($1, datetime: 1) },
            { w, k in w.appendDocument(k) { $0.append("x", string: "1") } }, { w, k in w.appendArray(k) { $0.append("0", int32: 1) } },
            { w, k in w.appendDocument(k) { $0.append("id", int32: -1) } },
        ]
        return (name, random.pick(kinds))
    }
}
