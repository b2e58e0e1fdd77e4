import Foundation
import SluiceSchema
import SluiceSDK

/// Config values that are themselves JSON Schemas, compiled by `sluice
/// validate` as the component would compile them at start, so a bad schema
/// fails the manifest instead of the run.
///
/// A component's config schema marks such a key with `"x-sluice-schema":
/// "inline"` (the value is a schema) or `"file"` (the value is the path of
/// one). The component's own `format_assertion` and `schema_dir` keys, when
/// present, are the compile options, as the validator reads them.
enum EmbeddedSchemas {
    static let marker = "x-sluice-schema"

    /// One error per key whose schema does not compile, at that key's line.
    static func errors(_ spec: ComponentSpec, configSchema: JSONValue, key: String) -> [ManifestError] {
        guard let properties = configSchema["properties"]?.object else { return [] }
        var errors: [ManifestError] = []
        for property in properties {
            guard let kind = property.value[marker]?.string, let value = spec.config[property.key] else { continue }
            var options = SchemaOptions(formatAssertion: spec.config["format_assertion"]?.bool ?? false,
                                        directory: spec.config["schema_dir"]?.string)
            var schema = value
            let location = spec.configLocations["/" + property.key] ?? spec.configLocations[""] ?? spec.location
            if kind == "file" {
                guard let path = value.string else { continue }
                guard let data = FileManager.default.contents(atPath: path) else {
                    errors.append(ManifestError(location, key: "\(key).config.\(property.key)", "cannot read \(path)"))
                    continue
                }
                do { schema = try JSONParser.parse(Array(data)) } catch {
                    errors.append(ManifestError(location, key: "\(key).config.\(property.key)", "\(path) is not JSON: \(error)"))
                    continue
                }
                options.file = path
            }
            do {
                _ = try JSONSchema(schema, options: options)
            } catch {
                // An inline schema's error points at its own line when the manifest has it.
                let inner = kind == "inline" ? (error as? SchemaError).flatMap { spec.configLocations["/" + property.key + $0.path] } : nil
                errors.append(ManifestError(inner ?? location, key: "\(key).config.\(property.key)", "\(error)"))
            }
        }
        return errors
    }
}
