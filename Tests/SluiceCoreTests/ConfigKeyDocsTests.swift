import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `sluice explain` documents a config key with the "description" its
/// component's schema gives it; a key without one shows a bare type.
final class ConfigKeyDocsTests: XCTestCase {
    /// Every key of every built plugin's components, nested members included.
    func testEveryShippedConfigKeyHasADescription() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestSupport.buildDir)
            .filter { $0.hasPrefix("libsluice-") && $0.hasSuffix(".so") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 11, "the built-in plugins in \(TestSupport.buildDir): \(files)")
        var keys: [String] = []
        var undocumented: [String] = []
        for file in files {
            let plugin = try TestSupport.loader().load(path: TestSupport.buildDir + "/" + file)
            for component in plugin.components {
                guard let text = component.schemaText else { continue }
                let schema = try JSONParser.parse(text)
                Self.members(of: schema, root: schema, at: "\(plugin.name).\(component.name): ", refs: []) { key, member in
                    keys.append(key)
                    if (member["description"]?.string ?? "").isEmpty { undocumented.append(key) }
                }
            }
        }
        XCTAssertTrue(keys.contains("join.join: left.time.field"), "a $ref'd side's members are visited: \(keys)")
        XCTAssertTrue(keys.contains("mongodb.write: indexes[].unique"), "an array's object members are visited: \(keys)")
        XCTAssertTrue(keys.contains("forecaster.forecast: alerts[].rule"), "an anyOf branch's members are visited: \(keys)")
        XCTAssertEqual(undocumented, [], "config keys without a description")
    }

    /// Calls `visit` with each declared member of the object shapes `schema`
    /// allows: its `properties`, and those of what a member's value may be
    /// (a nested object, an array's items, an `anyOf` or `oneOf` branch).
    /// `if`/`then` and `allOf` only constrain members declared elsewhere, and
    /// `additionalProperties` names none, so neither is walked. `refs`: the
    /// `$ref`s being expanded, so a recursive one stops.
    private static func members(of schema: JSONValue, root: JSONValue, at path: String, refs: Set<String>,
                                _ visit: (String, JSONValue) -> Void) {
        var refs = refs
        if let ref = schema["$ref"]?.string {
            guard refs.insert(ref).inserted else { return }
        }
        let schema = resolved(schema, root: root)
        for member in schema["properties"]?.object ?? JSONObject() {
            let key = path + member.key
            visit(key, resolved(member.value, root: root))
            members(of: member.value, root: root, at: key + ".", refs: refs, visit)
        }
        if let items = schema["items"] { members(of: items, root: root, at: String(path.dropLast()) + "[].", refs: refs, visit) }
        for branch in (schema["anyOf"]?.array ?? []) + (schema["oneOf"]?.array ?? []) {
            members(of: branch, root: root, at: path, refs: refs, visit)
        }
    }

    /// A local `$ref` replaced by its target, with the referring schema's own keywords (its description) on top, as `explain` reads it.
    private static func resolved(_ schema: JSONValue, root: JSONValue) -> JSONValue {
        guard let ref = schema["$ref"]?.string, ref.hasPrefix("#/") else { return schema }
        var target: JSONValue? = root
        for part in ref.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
        guard case var .object(merged)? = target, case let .object(own) = schema else { return target ?? schema }
        for m in own where m.key != "$ref" { merged[m.key] = m.value }
        return .object(merged)
    }
}
