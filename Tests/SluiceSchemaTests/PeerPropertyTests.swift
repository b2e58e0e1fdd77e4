import Foundation
import SluiceSchema
import SluiceSDK
import XCTest

/// Generated schemas and documents, judged by Sluice and by jsonschema-rs
/// (PyPI, installed in the test venv by `make test-servers`): the verdicts
/// must agree. The generator keeps to what both read the same way: no
/// formats (annotations in both), ASCII patterns, no huge numbers.
final class PeerPropertyTests: XCTestCase {
    private static let venv = ProcessInfo.processInfo.environment["SLUICE_TEST_VENV"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/.venv"

    /// Reads {"cases": [{"schema": s, "instances": [...]}]}, prints one array of booleans per case.
    private static let peerScript = """
    import json, sys
    import jsonschema_rs
    cases = json.load(open(sys.argv[1]))["cases"]
    out = []
    for case in cases:
        v = jsonschema_rs.Draft202012Validator(case["schema"])
        out.append([v.is_valid(i) for i in case["instances"]])
    json.dump(out, sys.stdout)
    """

    func testVerdictsAgreeWithJsonschemaRs() throws {
        let python = Self.venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return XCTFail("\(python) is missing: run `make test-servers` (it installs jsonschema-rs into .venv)")
        }
        var random = SeededRandom(seed: 20_261_129)
        let generator = Generator()
        var cases: [JSONValue] = []
        var compiled: [(schema: JSONSchema, instances: [JSONValue])] = []
        for _ in 0 ..< 400 {
            let schema = generator.schema(&random, depth: 0)
            let instances = (0 ..< 12).map { _ in generator.value(&random, depth: 0) }
            compiled.append((try JSONSchema(schema), instances))
            cases.append(["schema": schema, "instances": .array(instances)])
        }
        let dir = NSTemporaryDirectory() + "sluice-peer-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONWriter.string(["cases": .array(cases)]).write(toFile: dir + "/cases.json", atomically: true, encoding: .utf8)
        try Self.peerScript.write(toFile: dir + "/peer.py", atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [dir + "/peer.py", dir + "/cases.json"]
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return XCTFail("jsonschema-rs failed (run `make test-servers` to install it): \(errors)")
        }
        let verdicts = try JSONParser.parse(Array(output)).array ?? []
        XCTAssertEqual(verdicts.count, compiled.count)
        var compared = 0, invalid = 0, disagreements: [String] = []
        for (i, (schema, instances)) in compiled.enumerated() {
            let peer = verdicts[i].array ?? []
            for (j, instance) in instances.enumerated() {
                let ours = schema.validate(instance).isEmpty
                // The first-failure walk (isValid, what the processor runs first) must give the same verdict.
                if case .object = instance, let bytes = try? BSONFromJSON.document(instance),
                   bytes.withUnsafeBytes({ schema.isValid(BSONDocument($0)) }) != ours {
                    disagreements.append("isValid disagrees with validate on schema \(JSONWriter.string(schema.source)) instance \(JSONWriter.string(instance))")
                }
                compared += 1
                if !ours { invalid += 1 }
                if peer[j].bool != ours {
                    disagreements.append("schema \(JSONWriter.string(schema.source)) instance \(JSONWriter.string(instance)): Sluice \(ours), jsonschema-rs \(String(describing: peer[j].bool))")
                }
            }
        }
        XCTAssertEqual(compared, 400 * 12)
        // Both verdicts must occur often, or the comparison says little.
        XCTAssertGreaterThan(invalid, compared / 10)
        XCTAssertLessThan(invalid, compared * 9 / 10)
        XCTAssertEqual(disagreements.count, 0, disagreements.prefix(5).joined(separator: "\n"))
    }
}

/// Random schemas over the applicator and validation vocabularies, and
/// random values shaped to hit them (few keys, small numbers, look-alike strings).
private struct Generator {
    let keys: [String] = ["a", "b", "c"]
    let strings: [String] = ["", "a", "ab", "abc", "\u{E4}", "a\u{308}", "1", "x1", "\u{07C0}"]
    let patterns: [String] = ["^a", "b$", "^[a-c]*$", "\\d", "^.$", "^\\w+$", "^(a|b)+$", "(x)?1"]

    func schema(_ r: inout SeededRandom, depth: Int) -> JSONValue {
        if depth > 2 || r.unit() < 0.1 { return r.unit() < 0.6 ? .bool(true) : .bool(false) }
        var o = JSONObject()
        let count = 1 + Int(r.next() % 3)
        for _ in 0 ..< count { add(&o, &r, depth) }
        return .object(o)
    }

    private func sub(_ r: inout SeededRandom, _ depth: Int) -> JSONValue { schema(&r, depth: depth + 1) }

    private func add(_ o: inout JSONObject, _ r: inout SeededRandom, _ depth: Int) {
        // References to root $defs only from the root (the pointers are absolute).
        switch r.next() % (depth == 0 ? 30 : 28) {
        case 0: o["type"] = .string(r.pick(["null", "boolean", "object", "array", "number", "integer", "string"]))
        case 1: o["type"] = .array([.string(r.pick(["integer", "string"])), .string(r.pick(["null", "object", "array"]))])
        case 2: o["enum"] = .array((0 ..< 3).map { _ in value(&r, depth: 2) })
        case 3: o["const"] = value(&r, depth: 1)
        case 4: o[r.pick(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])] = number(&r)
        case 5: o["multipleOf"] = r.pick([2, 3, 0.5, 0.25])
        case 6: o[r.pick(["minLength", "maxLength"])] = .int(r.int(0 ... 3))
        case 7: o["pattern"] = .string(r.pick(patterns))
        case 8: o["required"] = .array([.string(r.pick(keys))])
        case 9: o["properties"] = .object(JSONObject([(r.pick(keys), sub(&r, depth)), (r.pick(["b", "c"]), sub(&r, depth))].reduce(into: []) { acc, m in
                if !acc.contains(where: { $0.key == m.0 }) { acc.append((m.0, m.1)) }
            }))
        case 10: o["additionalProperties"] = sub(&r, depth)
        case 11: o["patternProperties"] = .object(JSONObject([(r.pick(patterns), sub(&r, depth))]))
        case 12: o["propertyNames"] = sub(&r, depth)
        case 13: o[r.pick(["minProperties", "maxProperties"])] = .int(r.int(0 ... 2))
        case 14: o["dependentRequired"] = .object(JSONObject([(r.pick(keys), .array([.string(r.pick(keys))]))]))
        case 15: o["dependentSchemas"] = .object(JSONObject([(r.pick(keys), sub(&r, depth))]))
        case 16: o["prefixItems"] = .array([sub(&r, depth), sub(&r, depth)])
        case 17: o["items"] = sub(&r, depth)
        case 18:
            o["contains"] = sub(&r, depth)
            if r.unit() < 0.5 { o[r.pick(["minContains", "maxContains"])] = .int(r.int(0 ... 2)) }
        case 19: o[r.pick(["minItems", "maxItems"])] = .int(r.int(0 ... 3))
        case 20: o["uniqueItems"] = .bool(r.unit() < 0.8)
        case 21: o["allOf"] = .array([sub(&r, depth), sub(&r, depth)])
        case 22: o["anyOf"] = .array([sub(&r, depth), sub(&r, depth)])
        case 23: o["oneOf"] = .array([sub(&r, depth), sub(&r, depth)])
        case 24: o["not"] = sub(&r, depth)
        case 25:
            o["if"] = sub(&r, depth)
            o["then"] = sub(&r, depth)
            if r.unit() < 0.7 { o["else"] = sub(&r, depth) }
        case 26: o["unevaluatedProperties"] = r.unit() < 0.6 ? .bool(false) : sub(&r, depth)
        case 27: o["unevaluatedItems"] = r.unit() < 0.6 ? .bool(false) : sub(&r, depth)
        case 28:
            o["$defs"] = ["d": sub(&r, depth)]
            o["$ref"] = "#/$defs/d"
        default:
            o["$defs"] = ["n": ["type": "object", "properties": ["a": ["$ref": "#/$defs/n"]], "unevaluatedProperties": sub(&r, depth)]]
            o["$ref"] = "#/$defs/n"
        }
    }

    private func number(_ r: inout SeededRandom) -> JSONValue {
        r.unit() < 0.5 ? .int(r.int(-2 ... 3)) : .double(Double(r.int(-4 ... 6)) / 2)
    }

    func value(_ r: inout SeededRandom, depth: Int) -> JSONValue {
        let leafOnly = depth >= 2
        switch r.next() % (leafOnly ? 6 : 8) {
        case 0: return .null
        case 1: return .bool(r.unit() < 0.5)
        case 2: return .int(r.int(-2 ... 4))
        case 3: return .double(Double(r.int(-4 ... 8)) / 2)
        case 4, 5: return .string(r.pick(strings))
        case 6: return .array((0 ..< Int(r.next() % 4)).map { _ in value(&r, depth: depth + 1) })
        default:
            var o = JSONObject()
            for key in keys where r.unit() < 0.5 { o[key] = value(&r, depth: depth + 1) }
            if r.unit() < 0.2 { o[r.pick(["1", "x1", "\u{E4}"])] = value(&r, depth: depth + 1) }
            return .object(o)
        }
    }
}
