import Foundation
import SluiceSDK

/// Paths written in a manifest are relative to the manifest's folder, so a
/// pipeline runs the same from any working directory. Config keys are paths
/// when their schema says `"format": "path"`: the host resolves them before
/// `check` and `create`, and plugins see absolute paths.
public enum ManifestPaths {
    /// `path` against the folder of `manifestFile`; a leading `~/` (or `~`
    /// alone) is the home folder, as a shell reads it, since no shell
    /// expands a path in a manifest; absolute paths, `-` (stdin/stdout) and
    /// empty strings unchanged.
    /// - Parameter home: the home folder; nil: `homeFolder()`.
    public static func resolve(_ path: String, relativeTo manifestFile: String, home: String? = nil) -> String {
        if path == "~" || path.hasPrefix("~/") {
            return URL(fileURLWithPath: home ?? homeFolder()).appendingPathComponent(String(path.dropFirst(2))).standardizedFileURL.path
        }
        guard !path.isEmpty, path != "-", !path.hasPrefix("/") else { return path }
        let base = URL(fileURLWithPath: manifestFile).deletingLastPathComponent()
        return base.appendingPathComponent(path).standardizedFileURL.path
    }

    /// `$HOME` when set and not empty, as a shell takes `~`, else the
    /// user's home in the password database.
    static func homeFolder() -> String {
        if let home = getenv("HOME"), home.pointee != 0 { return String(cString: home) }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return "/" }
        return String(cString: directory)
    }

    /// `config` with every string the schema marks `"format": "path"` resolved.
    /// Follows `properties`, `additionalProperties`, `items`, `prefixItems`
    /// and the branches of `allOf`/`anyOf`/`oneOf`. A path property the
    /// config leaves out takes its schema's string `default`, resolved too:
    /// a default of "." is the manifest's folder, which the plugin cannot know.
    public static func resolve(config: JSONValue, schema: JSONValue?, relativeTo manifestFile: String) -> JSONValue {
        guard let schema = schema?.object else { return config }
        let branches = ["allOf", "anyOf", "oneOf"].flatMap { schema[$0]?.array ?? [] }
        var value = config
        for branch in branches { value = resolve(config: value, schema: branch, relativeTo: manifestFile) }
        switch value {
        case let .string(s) where schema["format"]?.string == "path":
            return .string(resolve(s, relativeTo: manifestFile))
        case var .object(o):
            let properties = schema["properties"]?.object
            for (key, property) in properties ?? JSONObject() where o[key] == nil {
                if property["format"]?.string == "path", let fallback = property["default"]?.string { o[key] = .string(fallback) }
            }
            for (key, v) in o {
                let sub = properties?[key] ?? schema["additionalProperties"]
                o[key] = resolve(config: v, schema: sub, relativeTo: manifestFile)
            }
            return .object(o)
        case let .array(items):
            let prefix = schema["prefixItems"]?.array ?? []
            return .array(items.enumerated().map { i, v in
                resolve(config: v, schema: i < prefix.count ? prefix[i] : schema["items"], relativeTo: manifestFile)
            })
        default:
            return value
        }
    }
}
