import Foundation

/// Finds plugin files by name on the plugin path.
///
/// The path is, in order: `--plugin-path` folders, `SLUICE_PLUGIN_PATH`
/// (colon-separated), the folder of the `sluice` executable (where
/// `swift build` puts the built-in plugins), and `../lib/sluice` beside it.
public struct PluginLocator: Sendable {
    public let directories: [String]

    public init(extra: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                executable: String = CommandLine.arguments.first ?? "")
    {
        var dirs = extra
        dirs += (environment["SLUICE_PLUGIN_PATH"] ?? "").split(separator: ":").map(String.init)
        let exeDir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        dirs.append(exeDir.path)
        dirs.append(exeDir.deletingLastPathComponent().appendingPathComponent("lib/sluice").path)
        var seen = Set<String>()
        directories = dirs.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// File names tried for a plugin called `name`, in order.
    public static func fileNames(for name: String) -> [String] {
        ["libsluice-\(name).so", "libsluice_\(name).so", "sluice-\(name).so", "lib\(name).so", "\(name).so"]
    }

    /// The first existing file for `name`, or nil.
    public func locate(_ name: String) -> String? {
        for dir in directories {
            for file in Self.fileNames(for: name) {
                let path = (dir as NSString).appendingPathComponent(file)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        return nil
    }

    /// The plugin names the files on the path answer to, by file name
    /// (`libsluice-kafka.so` → kafka), for "did you mean" hints.
    public func names() -> [String] {
        let prefixes = ["libsluice-", "libsluice_", "sluice-", "lib"]
        return Array(Set(candidates().map { path -> String in
            var base = String((path as NSString).lastPathComponent.dropLast(3))
            if let p = prefixes.first(where: { base.hasPrefix($0) }) { base.removeFirst(p.count) }
            return base
        })).sorted()
    }

    /// Every `.so` on the path, for `sluice plugins list`.
    public func candidates() -> [String] {
        directories.flatMap { dir -> [String] in
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return files.filter { $0.hasSuffix(".so") }.sorted().map { (dir as NSString).appendingPathComponent($0) }
        }
    }
}
