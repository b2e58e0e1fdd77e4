import Foundation
import SluiceSchema
import SluiceSDK

// Validation cost per record, `isValid` on BSON, for two schemas: the bench
// pipelines' beach-sensor schema, and a 40-property nested schema with $refs
// and unevaluatedProperties. Writes each schema and its documents as JSON
// (`--export DIR`) so bench/schema_peer.py times jsonschema-rs on the same ones.
// Usage: SchemaBench [--records N] [--rounds R] [--schema beach|nested] [--export DIR]
// (bench/schema_instructions.sh runs it under callgrind, one schema at a time).

let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).map { arguments[$0 + 1] } }
let records = Int(option("--records") ?? "") ?? 20000
let export = option("--export")
let rounds = Int(option("--rounds") ?? "") ?? 5
let only = option("--schema")

let beachSchema: JSONValue = [
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

/// 40 properties, each a $ref to one of four definitions, two of them objects
/// closed with unevaluatedProperties through an allOf.
let nestedSchema: JSONValue = {
    var properties = JSONObject()
    let kinds = ["#/$defs/reading", "#/$defs/name", "#/$defs/count", "#/$defs/place"]
    for i in 0 ..< 40 { properties["p\(i)"] = ["$ref": .string(kinds[i % 4])] }
    return [
        "type": "object",
        "properties": .object(properties),
        "unevaluatedProperties": false,
        "$defs": [
            "reading": ["type": "object", "allOf": [["$ref": "#/$defs/measured"]],
                        "properties": ["value": ["type": "number", "minimum": -100, "maximum": 100]],
                        "required": ["value"], "unevaluatedProperties": false],
            "measured": ["properties": ["unit": ["enum": ["C", "F", "K"]], "at": ["type": "integer", "minimum": 0]]],
            "name": ["type": "string", "pattern": "^[A-Z][a-z]+(_[A-Z][a-z]+)*$", "maxLength": 40],
            "count": ["type": "integer", "minimum": 0, "multipleOf": 1],
            "place": ["type": "object", "properties": ["lat": ["type": "number", "minimum": -90, "maximum": 90],
                                                       "lon": ["type": "number", "minimum": -180, "maximum": 180]],
                      "required": ["lat", "lon"], "unevaluatedProperties": false],
        ],
    ]
}()

func beachDocument(_ random: inout SeededRandom) -> JSONValue {
    ["Beach": .string(random.pick(["Montrose_Beach", "Ohio_Street_Beach", "Calumet_Beach"])),
     "MeasurementID": .int(random.int(0 ... 1_000_000)), "WaterTemperature": .double(Double(random.int(0 ... 300)) / 10),
     "Turbidity": .double(Double(random.int(0 ... 5000)) / 100), "BatteryLife": .double(Double(random.int(0 ... 130)) / 10),
     "TimeStamp": "2013-08-30T08:00:00Z"]
}

func nestedDocument(_ random: inout SeededRandom) -> JSONValue {
    var o = JSONObject()
    for i in 0 ..< 40 {
        switch i % 4 {
        case 0: o["p\(i)"] = ["value": .double(Double(random.int(-500 ... 500)) / 10), "unit": "C", "at": .int(random.int(0 ... 100_000))]
        case 1: o["p\(i)"] = .string(random.pick(["Montrose_Beach", "Ohio_Street_Beach", "Calumet"]))
        case 2: o["p\(i)"] = .int(random.int(0 ... 1000))
        default: o["p\(i)"] = ["lat": .double(Double(random.int(-900 ... 900)) / 10), "lon": .double(Double(random.int(-1800 ... 1800)) / 10)]
        }
    }
    return .object(o)
}

for (slug, name, schemaJSON, make) in [("beach", "beach-sensor (6 properties)", beachSchema, beachDocument),
                                       ("nested", "nested (40 properties, $ref, unevaluatedProperties)", nestedSchema, nestedDocument)]
    where only == nil || only == slug {
    var random = SeededRandom(seed: 7)
    let documents = (0 ..< records).map { _ in make(&random) }
    let bson = try documents.map { try BSONFromJSON.document($0) }
    let schema = try JSONSchema(schemaJSON)
    let validator = SchemaValidator(schema)
    var valid = 0
    var best = Double.infinity
    for _ in 0 ..< rounds {
        valid = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for doc in bson { if doc.withUnsafeBytes({ validator.isValid(BSONDocument($0)) }) { valid += 1 } }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(records))
    }
    print("sluice \(name): \(String(format: "%.0f", best)) ns/record (best of \(rounds)), \(valid) of \(records) valid")
    if let export {
        try JSONWriter.string(["schema": schemaJSON, "documents": .array(documents)])
            .write(toFile: "\(export)/schema-\(slug).json", atomically: true, encoding: .utf8)
    }
}
