import Foundation
import Logging

/// Where a manifest's components keep their state (snapshots, read
/// positions, disk buffers) when it names no `engine.state_dir`.
///
/// Every manifest run from one working directory shares `.sluice-state`
/// there, so each gets its own folder in it: two manifests that both name a
/// component `in` would otherwise remove or resume each other's checkpoint.
/// A manifest that names `engine.state_dir` keeps `state_dir/NAME`: sharing
/// that folder is how hosts hand state over (a forecaster's partitions).
public enum StateFolder {
    /// The working directory's folder of every manifest's state; before
    /// state was kept per manifest, a component's state was `.sluice-state/NAME`.
    public static let shared = ".sluice-state"

    /// `.sluice-state/FILE-DIGEST` for `manifestFile`: its file name, and 8
    /// hex digits of the SHA-256 of its path from the working directory
    /// (symbolic links resolved), so manifests of one name in two folders
    /// differ, and moving the working directory with its manifests keeps
    /// their state.
    public static func perManifest(_ manifestFile: String,
                                   workingDirectory: String = FileManager.default.currentDirectoryPath) -> String
    {
        let manifest = realPath(manifestFile.hasPrefix("/") ? manifestFile : workingDirectory + "/" + manifestFile)
        // FNV-1a: a folder key, not a checksum, and no libcrypto to load for it.
        let digest = String(relativePath(manifest, from: realPath(workingDirectory)).utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) {
            ($0 ^ UInt64($1)) &* 0x100_0000_01b3
        }, radix: 16)
        let name = (manifest as NSString).lastPathComponent
        return shared + "/" + name + "-" + digest.prefix(8)
    }

    /// Moves each of `components`' folders that an earlier Sluice kept in
    /// `settings.formerStateDirectory` to `settings.stateDirectory`, once:
    /// an upgrade resumes checkpoints and snapshots rather than reading
    /// everything again. A component that already has a folder of its own
    /// keeps it. The first manifest run after the upgrade takes the folder.
    static func adoptFormerFolders(_ settings: EngineSettings, components: [String], logger: Logger) {
        guard let former = settings.formerStateDirectory else { return }
        let manager = FileManager.default
        for name in components {
            let old = former + "/" + name
            let new = settings.stateDirectory + "/" + name
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: old, isDirectory: &isDirectory), isDirectory.boolValue,
                  !manager.fileExists(atPath: new) else { continue }
            do {
                try manager.createDirectory(atPath: settings.stateDirectory, withIntermediateDirectories: true)
                try manager.moveItem(atPath: old, toPath: new)
                logger.notice("\(name): moved its state from \(old) to \(new): state is now kept per manifest")
            } catch {
                logger.warning("\(name): cannot move its state from \(old) to \(new), so it starts without it: \(error.localizedDescription)")
            }
        }
    }

    private static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `path` from `directory`, both absolute: `a.yaml`, `sub/a.yaml`, `../x/a.yaml`.
    private static func relativePath(_ path: String, from directory: String) -> String {
        let target = path.split(separator: "/"), base = directory.split(separator: "/")
        var common = 0
        while common < target.count, common < base.count, target[common] == base[common] { common += 1 }
        return (Array(repeating: "..", count: base.count - common) + target[common...].map(String.init)).joined(separator: "/")
    }
}
